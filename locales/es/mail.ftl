## E-mails of the account domain (bot/domain/mail.py). Owner: account domain.
## Dates arrive already formatted as dd/mm/aaaa.

mail-upgrade-subject = Tu { $product } ya tiene número de serie para la versión { $new_version }
mail-upgrade-body =
    Hola, { $holder }:

    Listo: actualizamos tu suscripción de { $product } a la versión { $new_version }.

    Número de serie anterior ({ $old_version }): { $old_serial }
    Número de serie nuevo ({ $new_version }): { $new_serial }

    Tu versión { $old_version } seguirá funcionando hasta el { $usable_until }, para que tengas tiempo de pasar tu información; después de esa fecha solo funcionará la versión { $new_version }.

    Qué sigue:
    1. Descarga la versión { $new_version } desde aspel.com/descargas, o desde Aspel-AL en tu equipo (Inicio > Aspel > Aspel-AL), en la sección "Otros sistemas".
    2. Al activarla te pedirá la razón social registrada en tu cuenta ({ $company }); la puedes cambiar dentro del sistema después de activarlo.
    3. Tu código de activación (CDA) es el mismo que ya tenías, y tu plan conserva la misma periodicidad de pago.

    { $has_distributor ->
        [yes] Para activarla, comunícate con tu distribuidor, { $distributor }, o llámanos al { aspel-phone }.
       *[no] Para activarla, llámanos al { aspel-phone } o busca un distribuidor Aspel cerca de ti.
    }

    ¡Gracias por seguir con Aspel!

mail-cda-subject = Tu código de activación (CDA) de { $product }
mail-cda-body =
    Hola, { $holder }:

    Aquí está el código de activación (CDA) que pediste:

    Sistema: { $product } { $version }
    Número de serie: { $serial }
    CDA: { $cda }

    Guárdalo bien: con él activas tu sistema, compruebas que su uso es legal y tienes acceso a soporte.

    Si no pediste este correo, puedes ignorarlo. Para cambiar el correo donde te llegan estos avisos, entra a Mi cuenta Aspel, en Mi perfil > Datos generales.

mail-reset-subject = Tu código para crear una nueva contraseña
mail-reset-body =
    Hola, { $holder }:

    Pediste crear una nueva contraseña para tu usuario { $username } de Mi cuenta Aspel. Este es tu código:

    { $token }

    Escríbelo en el chat con el asistente de Aspel. Vence en { $minutes } minutos y solo sirve una vez.

    Si no fuiste tú, ignora este correo: tu contraseña actual sigue igual.

mail-password-changed-subject = Cambiaste tu contraseña de Mi cuenta Aspel
mail-password-changed-body =
    Hola, { $holder }:

    La contraseña de tu usuario { $username } se cambió hace un momento.

    Si no fuiste tú, llámanos cuanto antes al { aspel-phone }.

mail-lockout-subject = Intentos fallidos para entrar a tu cuenta Aspel
mail-lockout-body =
    Hola, { $holder }:

    El { $date } alguien escribió { $failures } contraseñas incorrectas para tu usuario { $username } desde chats donde nunca has entrado. Por seguridad, durante { $minutes } minutos no se podrá entrar a tu cuenta desde ningún chat nuevo.

    Desde el chat donde sueles entrar puedes seguir haciéndolo como siempre. Si no recuerdas tu contraseña, pide una nueva: la recuperación por correo sigue disponible.

    Si no fuiste tú, te recomendamos cambiar tu contraseña. Cualquier duda, llámanos al { aspel-phone }.
