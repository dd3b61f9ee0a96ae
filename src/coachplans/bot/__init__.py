"""The Discord bot: commands, slash commands, message sync and catch-up."""
