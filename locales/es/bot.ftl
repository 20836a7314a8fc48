## The conversation: every message the bot sends in a chat.
## Tone: warm, brief, "tú", Mexican Spanish. Plain text (no Markdown): it goes to Telegram
## and to the terminal alike.

## --- Buttons -------------------------------------------------------------------------

btn-upgrade = Actualizar mi número de serie
btn-cda = Reenviar mi CDA
btn-forgot = Olvidé mi contraseña
btn-advisor = Hablar con un asesor
btn-help = Ayuda
btn-back = Volver
btn-menu = Menú principal
btn-leave-queue = Salir de la fila
btn-subscriptions = Suscripciones
btn-licences = Licenciamiento
btn-serial = { $system } { $version } · { $serial }
btn-accept = Aceptar y actualizar
btn-decline = No continuar
btn-send-cda = Reenviar CDA

## --- Main menu -----------------------------------------------------------------------

menu-prompt =
    ¡Hola! Soy el asistente de Mi cuenta Aspel. Puedo actualizar tu número de serie a la nueva versión, reenviarte tu Código de Activación (CDA) o comunicarte con un asesor.
    ¿Qué necesitas?
menu-more = ¿Te ayudo con algo más?

## --- Navigation and odd input --------------------------------------------------------

journey-cancelled = Listo, dejamos eso por ahora. Tu sesión sigue abierta.
logged-out = Cerraste tu sesión. Cuando quieras, aquí estoy.
session-expired = Por seguridad cerré tu sesión porque pasó un rato sin actividad. Empecemos de nuevo.
reply-unrecognized = Perdón, no te entendí. Elige una de las opciones o escribe /ayuda.
stale-button = Ese botón ya no está vigente. Seguimos desde aquí:
unsupported-message = Por ahora solo entiendo texto y los botones. Elige una opción o escríbeme.
message-too-long = Tu mensaje es demasiado largo para mí. ¿Me lo resumes en unas palabras?
group-refused = Por tu seguridad, solo atiendo trámites de tu cuenta en un chat privado. Escríbeme directamente y con gusto te ayudo.
group-secret-deleted = Borré un mensaje que parecía una contraseña: aquí lo puede ver todo el grupo. Si era la tuya, cámbiala pronto y escríbeme en privado para lo que necesites.
group-secret-undeletable = Ese mensaje parece una contraseña y no tengo permiso para borrarlo. Bórralo tú, por favor, y si era la tuya, cámbiala pronto. Para trámites de tu cuenta, escríbeme en privado.
secret-removed = Borré tu mensaje del chat: era tu contraseña o un código de seguridad. No hace falta escribirlos aquí, y no los guardo.

## --- Help, per step --------------------------------------------------------------------

help-menu =
    Esto puedo hacer por ti:
    • Actualizar el número de serie de un sistema en suscripción a su nueva versión.
    • Reenviar tu CDA al correo registrado en tu cuenta.
    • Ayudarte si olvidaste tu contraseña.
    • Comunicarte con un asesor.
    Comandos: /menu para volver al inicio, /cancelar para dejar un trámite, /salir para cerrar sesión, /asesor para hablar con una persona.
help-login =
    Necesito el usuario y la contraseña con los que entras a Mi cuenta Aspel en aspel.com.
    Si no tienes cuenta, créala en el portal, en "Mi cuenta Aspel". Si olvidaste la contraseña, usa el botón de abajo.
help-reset = Escribe la contraseña nueva que quieres usar en Mi cuenta Aspel. Borraré tu mensaje en cuanto la reciba. Si prefieres no cambiarla ahora, elige "Volver".
help-recovery = Escribe el usuario o el correo electrónico de tu cuenta Aspel. Si coincide con una cuenta, te enviaremos un correo para restablecer tu contraseña.
help-modality =
    • Suscripciones: sistemas que rentas con pago mensual, semestral o anual.
    • Licenciamiento: sistemas que compraste en una sola exhibición.
help-serial = Elige el sistema en la lista o escribe su número de serie, por ejemplo CLSNRR123456. Lo encuentras en tu cuenta Aspel, en Mis servicios.
help-terms = Si aceptas, generaré tu nuevo número de serie y te lo enviaré por correo. Si prefieres esperar, elige "No continuar" y no cambiará nada.
help-licence = Las licencias se actualizan comprando la nueva versión. Un asesor o tu distribuidor te pueden dar precios y opciones.
help-cda = Tu CDA llegará al correo registrado en tu cuenta. Si ese correo ya no es el tuyo, cámbialo en Mi perfil > Datos generales antes de pedir el reenvío.
help-handoff = Estás en la fila para hablar con un asesor. Escribe aquí lo que necesites y se lo haré llegar. Para salir de la fila, escribe /salir.

## --- Logging in ------------------------------------------------------------------------

login-ask-user = Para continuar, entra a tu cuenta Aspel. ¿Cuál es tu usuario?
login-user-invalid = Ese no parece un usuario válido. Escríbelo tal como lo usas en Mi cuenta Aspel, sin espacios.
login-user-secret = Eso parece una contraseña, así que lo borré del chat y no lo guardé. Primero escríbeme tu usuario o tu correo; la contraseña te la pido después.
login-ask-password = Gracias. Ahora escribe tu contraseña. En cuanto la reciba borraré tu mensaje del chat, por seguridad.
login-welcome = ¡Bienvenido(a), { $name }!
login-wrong = El usuario o la contraseña no coinciden. Inténtalo de nuevo; si no la recuerdas, te ayudo a recuperarla.
login-locked =
    Por seguridad bloqueé temporalmente el acceso después de varios intentos fallidos. Podrás intentarlo de nuevo en { $minutes ->
        [one] 1 minuto
       *[other] { $minutes } minutos
    }.
    Si olvidaste tu contraseña, puedo ayudarte a recuperarla, o te comunico con un asesor.

## --- Password recovery -----------------------------------------------------------------

recovery-ask = Escribe tu usuario o el correo registrado en tu cuenta Aspel.
recovery-invalid = No alcancé a leer un usuario o correo. ¿Me lo escribes de nuevo?
recovery-sent = Si encontramos una cuenta con esos datos, en unos minutos te llegará un correo con un código. Cuando lo tengas, pégalo aquí y te ayudo a crear una contraseña nueva. El código vence en 30 minutos; si no lo ves, revisa tu carpeta de spam.
reset-ask-password = Gracias. Ahora escribe tu nueva contraseña (mínimo 8 caracteres). En cuanto la reciba borraré tu mensaje del chat, por seguridad.
reset-done = ¡Listo! Tu contraseña cambió y te avisamos por correo. Ya puedes entrar con la nueva.
reset-invalid = Ese código no es válido o ya venció. Pide uno nuevo con "Olvidé mi contraseña".
reset-weak = Tu nueva contraseña debe tener al menos { $minimum } caracteres. Escribe otra, por favor.

## --- Suscripciones / Licenciamiento ----------------------------------------------------

modality-ask-upgrade = ¿Tu sistema está en Suscripciones (renta mensual, semestral o anual) o en Licenciamiento (pago único)?
modality-ask-cda = ¿De qué lista es el sistema cuyo CDA necesitas: Suscripciones o Licenciamiento?
list-empty-subscription = No encontré sistemas en Suscripciones en tu cuenta. ¿Revisamos Licenciamiento?
list-empty-licence = No encontré sistemas en Licenciamiento en tu cuenta. ¿Revisamos Suscripciones?

## --- Picking a serial ------------------------------------------------------------------

serial-ask =
    Estos son tus sistemas { $modality ->
        [subscription] en suscripción
       *[licence] con licencia
    }. Elige uno o escribe su número de serie.
serial-unrecognized = No encontré un número de serie en tu mensaje. Elige un sistema de la lista o escribe la serie completa, por ejemplo CLSNRR123456.
serial-malformed = "{ $serial }" no tiene el formato de un número de serie de Aspel (por ejemplo CLSNRR123456: dos letras, SN, dos letras y seis números). ¿Lo revisas?
serial-not-found = No encontré el número de serie { $serial } entre los sistemas de tu cuenta. Revisa que esté bien escrito o elige uno de la lista.

## --- Upgrading the serial --------------------------------------------------------------

upgrade-terms =
    Actualizar { $system } { $version } a la versión { $new_version }
    Número de serie: { $serial }

    La nueva versión no tiene costo adicional en tu suscripción. Antes de seguir, toma en cuenta:
    1. En cuanto recibas el número de serie de la nueva versión, tendrás que dejar de usar la versión actual. Si todavía no estás listo para dejarla, mejor no continúes.
    2. Al aceptar se genera un número de serie electrónico nuevo para la versión { $new_version }.
    3. Podrás seguir usando la versión { $version } solo hasta su próxima validación, para que pases tu información; después quedará inactiva y solo funcionará la nueva.
    4. El nuevo número de serie conserva la misma periodicidad de pago que el actual.
    5. La nueva versión se instala desde el centro de descargas de Aspel.
    6. Al activarla, el asistente te pedirá la razón social registrada en aspel.com; si necesitas otra en tus reportes, puedes cambiarla en el sistema ya activado.

    ¿Aceptas?
upgrade-declined = De acuerdo, no hice ningún cambio. Tu número de serie sigue igual y puedes actualizarlo cuando estés listo.
upgrade-done =
    ¡Listo! Actualicé tu { $system } a la versión { $new_version }.
    • Número de serie anterior: { $old_serial }
    • Número de serie nuevo: { $new_serial }
    Te enviamos la confirmación a { $email }. Tu versión anterior funcionará hasta el { $until }.
upgrade-replayed =
    Este sistema ya estaba actualizado, así que no generé otro número de serie.
    • Número de serie anterior: { $old_serial }
    • Número de serie nuevo: { $new_serial }
    La confirmación se envió a { $email }.
upgrade-next-steps =
    Qué sigue:
    1. Descarga la nueva versión desde aspel.com/descargas, o abre Aspel-AL (Inicio > Aspel > Aspel-AL) y búscala en "Otros sistemas".
    2. Al activarla, escribe como razón social la que registraste en aspel.com.
    3. Tu CDA no cambia: es el mismo que usabas en la versión anterior.
next-steps-distributor = Para activar tu sistema, comunícate con tu distribuidor, { $distributor }, o llámanos al 800 Aspel 123.
next-steps-no-distributor = Para activar tu sistema, llámanos al 800 Aspel 123 o busca un distribuidor Aspel cerca de ti en aspel.com.
upgrade-already-done = Tu { $system } con serie { $serial } ya se actualizó: la serie nueva es { $new_serial }. La anterior funciona hasta el { $until }.
upgrade-newest = Tu { $system } ya está en la versión más reciente ({ $version }). No hay nada que actualizar por ahora.
upgrade-inactive = La serie { $serial } ya está inactiva, así que no se puede actualizar. Si crees que es un error, te comunico con un asesor.
upgrade-no-path = Por ahora no tengo una actualización disponible para { $system } { $version }. Un asesor puede orientarte.
upgrade-refused-newest = Este sistema ya está en la versión más reciente.
upgrade-refused-no-path = No hay una actualización disponible para este sistema.
upgrade-refused-inactive = Esta serie ya no está activa, así que no se puede actualizar.
upgrade-refused = No pude actualizar este sistema. Un asesor puede revisarlo contigo.

## --- Licences ----------------------------------------------------------------------------

licence-upgrade =
    Tu { $system } { $version } es una licencia (pago único). Las licencias no se actualizan desde aquí: la nueva versión se adquiere con una compra.
    Tu distribuidor o un asesor te pueden dar precios y opciones, también al 800 Aspel 123.
licence-upgrade-refused = Este sistema es una licencia: la nueva versión se adquiere con una compra. Un asesor te puede dar precios.

## --- The CDA -----------------------------------------------------------------------------

cda-confirm =
    Voy a reenviar el CDA de { $system } { $version } (serie { $serial }) a tu correo registrado, { $email }.
    ¿Lo envío?
cda-sent =
    ¡Enviado! El CDA de tu { $system } (serie { $serial }) va en camino a { $email }.
    • Si no lo ves en unos minutos, revisa tu carpeta de spam.
    • Si ese correo ya no es el tuyo, cámbialo en Mi cuenta Aspel, en Mi perfil > Datos generales, y pídelo de nuevo.
cda-limited = Ya reenvié este CDA varias veces en la última hora. Revisa tu correo y tu spam; podrás pedirlo de nuevo en { $minutes } min.
cda-physical = Tu { $system } se compró en caja: su CDA viene impreso en el Certificado de Autenticidad que venía en el empaque, y no puedo reenviarlo por correo.

## --- The advisor -----------------------------------------------------------------------

handoff-waiting = Te comunico con un asesor. Escríbeme aquí lo que necesites y se lo paso con todo lo que ya platicamos, para que no tengas que repetirlo.
handoff-already-queued = Ya estás en la fila; un asesor te contestará aquí mismo.
handoff-left = Saliste de la fila del asesor. Sigo aquí para ayudarte.
handoff-returned = El asesor cerró tu caso. Sigo aquí por si necesitas algo más.

## --- The terminal chat -------------------------------------------------------------------

terminal-hint = Escribe /start para empezar. Para elegir una opción, escribe su número. Ctrl+D para salir.
terminal-mail-saved = { $count ->
    [one] (Se guardó 1 correo en la bandeja local de salida.)
   *[other] (Se guardaron { $count } correos en la bandeja local de salida.)
}

## --- When something breaks on our side ---------------------------------------------------

internal-error = Uy, algo falló de nuestro lado y no pude completar eso. Tu información está a salvo; inténtalo de nuevo en un momento o escribe /asesor para hablar con una persona.

## --- Small talk and questions ----------------------------------------------------------

greeting-reply = ¡Hola! Con gusto te ayudo.
thanks-reply = ¡De nada! Para eso estoy.
activation-help =
    Para activar tu sistema necesitas su número de serie y tu Código de Activación (CDA). El asistente de activación te pedirá la razón social registrada en aspel.com.
    Tu distribuidor te puede ayudar a activarlo, o llámanos al { aspel-phone }.

## --- Reading in context, and asking when unsure (bot/conversation/reading.py) -----------

clarify-ask-two = Quiero entenderte bien: ¿quieres { $first } o { $second }?
clarify-ask-one = Quiero entenderte bien: ¿quieres { $first }?
clarify-option = { $intent ->
    [upgrade_serial] actualizar tu número de serie a la nueva versión
    [resend_cda] que te reenvíe tu Código de Activación (CDA)
    [forgot_password] recuperar tu contraseña
    [no_account] saber cómo crear tu cuenta Aspel
    [download] saber dónde descargar la nueva versión
    [activation_help] saber cómo activar tu sistema
    [human_agent] hablar con un asesor
    [cancel] dejar lo que estábamos haciendo
   *[help] saber en qué te puedo ayudar
}
btn-clarify = { $intent ->
    [upgrade_serial] Actualizar mi serie
    [resend_cda] Reenviar mi CDA
    [forgot_password] Recuperar mi contraseña
    [no_account] Crear mi cuenta
    [download] Descargar la nueva versión
    [activation_help] Activar mi sistema
    [human_agent] Hablar con un asesor
    [cancel] Dejarlo así
   *[help] Ver en qué me ayudas
}
btn-clarify-none = Ninguna, es otra cosa
clarify-rephrase = Va. Cuéntame con otras palabras qué necesitas, o escribe /menu para ver las opciones.
cda-followup = A veces el correo tarda unos minutos en llegar. Búscalo también en spam o correo no deseado; lo mandé a { $email }. Si esa dirección ya no es la tuya, cámbiala en Mi perfil > Datos generales del portal. Si quieres, te lo reenvío otra vez.
licence-complaint = Entiendo, y tu pago sí cuenta: tu licencia de { $system } { $version } es tuya y puedes seguir usándola. Lo que cubre es esa versión; la nueva se adquiere con una compra aparte, por eso no puedo actualizarla desde aquí como una suscripción. Un asesor puede revisar tu caso y darte precios y opciones. ¿Te comunico con uno?
cda-physical-complaint = Entiendo. Los sistemas comprados en caja traen su CDA impreso en el Certificado de Autenticidad del empaque; ese código no está en el portal y por eso no puedo mandártelo por correo. Si ya no tienes el certificado, un asesor puede revisar tu caso. ¿Te comunico con uno?
modality-both-lists = Tienes { $system } en las dos listas, en Suscripciones y en Licenciamiento. ¿En cuál está el que necesitas?
product-not-in-account = No encontré { $system } entre los sistemas de tu cuenta. ¿En qué lista está el sistema que buscas?
serial-not-in-account = La serie { $serial } no está entre los sistemas de tu cuenta. Si es de otra cuenta, entra con esa cuenta; si no, elige la lista de tu sistema.
two-requests = Primero { $first ->
        [forgot_password] recuperemos tu contraseña
        [resend_cda] reenviemos tu CDA
       *[upgrade_serial] actualicemos tu número de serie
    }; en cuanto terminemos, te ayudo { $then ->
        [resend_cda] con tu CDA
       *[upgrade_serial] a actualizar tu número de serie
    }.
then-offer = Y como me pediste, { $request ->
        [resend_cda] seguimos con tu CDA
       *[upgrade_serial] seguimos con la actualización de tu número de serie
    } cuando quieras:
reply-pick-option = ¡Va! Solo dime cuál de estas opciones quieres:
btn-then = { $request ->
    [resend_cda] Seguir con mi CDA
   *[upgrade_serial] Seguir con la actualización
}
