# The webhook server's stored timers (bot/server/channel.py).

# To a customer still waiting in the advisors' queue.
handoff-reminder = Sigues en la fila para hablar con un asesor: en cuanto uno se libere te atenderá aquí mismo. Si prefieres volver al menú, escribe /salir.
# To the advisors' group, as a reply to the ticket.
handoff-reminder-desk = Ticket #{ $id }: el cliente sigue esperando a un asesor.
