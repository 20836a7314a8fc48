## Respuestas rápidas (FAQ). Las elige bot/nlu (campo `faq` de Understanding); los ids están en
## bot.nlu.FAQ_KEYS. Breves, de tú, con datos de DOMAIN.md y nada más.

faq-download =
    Puedes bajar la versión nueva de dos formas:
    • En aspel.com/descargas.
    • Con Aspel-AL, el actualizador de tu equipo (Inicio → Aspel → Aspel-AL), en la sección «Otros sistemas».

faq-cda-on-upgrade =
    Si tu sistema es de suscripción, tu CDA sigue siendo el mismo que usabas en la versión anterior (si quieres, lo puedes cambiar desde el portal).
    Si es de licencia, el CDA es el que viene en tu Certificado de Autenticidad.

faq-razon-social =
    La razón social es el nombre de tu empresa. Te la pide el sistema al activarlo: escribe la misma que tienes registrada en el portal Mi cuenta Aspel.
    Ya que lo actives, la puedes cambiar dentro del sistema.

faq-what-is-cda =
    El CDA (código de activación) es tan importante como tu número de serie: con él activas tu sistema, compruebas que lo usas de forma legal y tienes acceso a soporte y a personalizar tu razón social.
    Guárdalo bien; si lo pierdes, te lo puedo reenviar.

faq-cda-email =
    El CDA se envía al correo que tienes registrado en tu cuenta Aspel. Si no lo ves, revisa también tu carpeta de spam o correo no deseado.
    ¿Tu correo ya no es el mismo? Actualízalo en el portal, en Mi perfil > Datos generales, y te lo vuelvo a enviar.

faq-physical-box =
    Si compraste tu sistema en caja (físico), el CDA viene únicamente en tu Certificado de Autenticidad impreso; ese no lo podemos reenviar por correo.
    Búscalo junto con el empaque o la documentación de tu compra.

faq-old-version =
    Al actualizar, tu versión anterior sigue funcionando solo hasta su próxima fecha de validación, para que tengas tiempo de pasar tu información.
    Después de esa fecha queda inactiva y ya solo funciona la versión nueva.

faq-periodicity =
    Sí: tu nueva serie conserva la misma periodicidad de pago que tenías (mensual, semestral o anual).

faq-licence-upgrade =
    Si tu sistema es de licencia (pago único), pasar a la versión nueva es una compra. Para precios, consulta a tu distribuidor o llámanos al 800 Aspel 123; también te puedo comunicar con un asesor.
    Si es de suscripción, yo puedo actualizar tu número de serie aquí mismo.

faq-no-account =
    Para usar tus servicios necesitas una cuenta en el portal Mi cuenta Aspel. Entra al portal y crea tu cuenta; en cuanto la tengas, aquí te ayudo con lo que necesites.

faq-forgot-password =
    No te preocupes: en el portal Mi cuenta Aspel elige la opción para recuperar tu contraseña y te llegará un correo a la dirección registrada en tu cuenta para crear una nueva.
    Revisa también tu carpeta de spam.
