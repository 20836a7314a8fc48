# Informe del embudo de trámites (aspel-bot report): lo leen el equipo de soporte y gerencia.

report-title = Embudo de trámites del bot de ayuda Aspel
report-period-all = Periodo: todo el historial
report-period-since = Periodo: desde { $since } (UTC)
report-no-data = No hay trámites en este periodo.
report-all-products = todos los productos
report-funnel-title = { $journey } · { $product }

## Trámites
report-journey-upgrade = Actualizar número de serie
report-journey-cda = Reenviar CDA
report-journey-recovery = Recuperar contraseña

## Pasos, en el orden del trámite
report-step-started = Iniciaron el trámite
report-step-login-user = Escribir usuario
report-step-login-password = Escribir contraseña
report-step-choose-modality = Elegir Suscripciones o Licenciamiento
report-step-choose-serial = Elegir número de serie
report-step-upgrade-terms = Aceptar términos de actualización
report-step-licence-upgrade = Licencia: actualización por compra
report-step-cda-confirm = Confirmar reenvío del CDA
report-step-recovery-user = Usuario o correo para recuperar
report-step-completed = Completaron el trámite
report-step-total = Total

## Columnas
report-col-journey = Trámite
report-col-product = Producto
report-col-step = Paso
report-col-reached = Llegaron
report-col-share = % del inicio
report-col-inactivity = Inactividad
report-col-cancelled = Cancelaron
report-col-declined = Rechazaron
report-col-other = Otro motivo
report-col-advisor = Asesor
report-col-in-progress = En curso
report-col-median = Tiempo mediano para completar (s)

## Resúmenes
report-median = Tiempo mediano para completar: { $duration }
report-summary = Completaron { $completed } · abandonaron { $abandoned } · con asesor { $advisor } · en curso { $in_progress }
report-legend =
    Columnas de abandono, por paso: Inactividad (sesión expirada o sin respuesta),
    Cancelaron (cancelar, menú, volver o salir), Rechazaron (los términos de actualización),
    Otro motivo (acceso bloqueado o pasó a recuperar su contraseña). Asesor: pasaron a un asesor
    desde ese paso. En curso: siguen en ese paso.
report-median-none = Tiempo mediano para completar: sin trámites completados
report-duration = { $minutes } min { $seconds } s
report-duration-seconds = { $seconds } s

## Gráfica
report-chart-title = Embudo de trámites · { $period }
report-chart-axis = Trámites
report-chart-bar = { $count } ({ $share })
