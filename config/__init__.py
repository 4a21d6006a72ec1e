"""The kiosk's typed settings and the province table it validates identities against."""
