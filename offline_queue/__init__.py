"""The kiosk's durable, encrypted outbox of dossiers and the engine that syncs it to the gateway.

It knows nothing of the citizen journey: a submission is an opaque JSON body (the gateway's
``DossierCreate``) plus page files. The kiosk adapts its Dossier to that in ``kiosk.outbox``.
"""
