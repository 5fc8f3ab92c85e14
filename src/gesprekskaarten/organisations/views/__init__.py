"""The organisation's own pages: its people, invitations, teams and settings (administrators;
creating a team also for facilitators where the organisation allows it), and the invitation
link's page (anyone with the link)."""
