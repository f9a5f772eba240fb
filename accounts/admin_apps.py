from django.contrib.admin.apps import AdminConfig


class PharmaAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PharmaAdminSite"
