"""What leaves: a team's or an organisation's archive as one download, and real deletion."""
