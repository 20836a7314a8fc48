## Handing a customer to a human advisor: what the customer reads, what the support group reads,
## and the words of a transcript. Customers: warm, brief, "tú". Advisors: short and scannable.

## --- To the customer -------------------------------------------------------------------

handoff-intro-stuck = Creo que no me estoy dando a entender. Mejor te paso con una persona de nuestro equipo.
# First line stays the same whatever the time: script-from-transcript recognizes it by that.
handoff-after-hours =
    Ahorita estamos fuera del horario de atención.
    Un asesor te contestará { $when ->
        [today] hoy
        [tomorrow] mañana
       *[later] el { $weekday ->
            [mon] lunes
            [tue] martes
            [wed] miércoles
            [thu] jueves
            [fri] viernes
            [sat] sábado
           *[sun] domingo
        }
    } a partir de las { $time } (hora del centro de México). Deja aquí tu mensaje y no perderás tu lugar.
# What an advisor writes follows this line, as it was written (never through a variable).
handoff-advisor-says = Asesor:
handoff-noted = Anoté tu mensaje en tu caso. En cuanto un asesor lo tome, te responde aquí mismo.

## --- To the support group --------------------------------------------------------------

ticket-reason = { $reason ->
    [stuck] el bot no logró entender al cliente
    [locked] cuenta bloqueada por intentos fallidos
    [licence] quiere actualizar una licencia (compra)
    [physical_box] CDA de un sistema comprado en caja
   *[asked] el cliente pidió un asesor
}
ticket-step = { $step ->
    [menu] menú principal
    [login_user] inicio de sesión (usuario)
    [login_password] inicio de sesión (contraseña)
    [recovery_user] recuperar contraseña
    [recovery_done] recuperar contraseña (enviado)
    [choose_modality] elegir Suscripciones o Licenciamiento
    [choose_serial] elegir número de serie
    [upgrade_terms] términos de la actualización
    [upgrade_done] actualización terminada
    [licence_upgrade] actualización de licencia
    [cda_confirm] confirmar reenvío de CDA
    [cda_done] CDA reenviado
   *[other] { $step }
}
ticket-status = { $status ->
    [open] abierto
    [closed] cerrado por el asesor
    [left] el cliente salió de la fila
   *[other] { $status }
}
ticket-unknown = (sin dato)
ticket-summary =
    Ticket #{ $id }: { $reason }
    Cliente: { $customer }
    Cuenta: { $account }
    Sistema: { $product } · serie { $serial }
    Paso: { $step }
    Abierto: { $opened } (hora del centro de México)
    Responde a este mensaje para escribirle al cliente. Para regresarlo al bot, responde con /cerrar.
ticket-file-caption = Conversación del ticket #{ $id } (sin contraseñas).
# What the customer wrote follows this line, as it was written.
ticket-relayed = Ticket #{ $id } · { $customer } escribe:
ticket-closed = Ticket #{ $id } cerrado. El cliente ya está de nuevo con el bot.
ticket-customer-left = Ticket #{ $id }: el cliente salió de la fila.
ticket-customer-gone = Ticket #{ $id }: el cliente ya no está en la fila; tu mensaje no se le envió.
ticket-not-found = No encontré el ticket de ese mensaje. Responde al mensaje del ticket o a uno que el bot haya reenviado.

## --- Transcripts -------------------------------------------------------------------------

transcript-hidden-password = [contraseña oculta]
transcript-title = Conversación del ticket #{ $id }
transcript-header =
    Chat: { $chat }
    Cuenta: { $account }
    Sistema: { $product } · serie { $serial }
    Motivo: { $reason }
    Paso: { $step }
    Abierto: { $opened }
    Estado: { $status }
    Horas en hora del centro de México.
transcript-who = { $who ->
    [cliente] Cliente
    [bot] Bot
    [asesor] Asesor
   *[other] Sistema
}
transcript-pressed = [botón] { $label }
transcript-empty = (sin mensajes)
