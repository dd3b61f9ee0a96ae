"""The Discord bot: discord.py's ``commands.Bot`` wired to the plan service.

Nothing here talks to Discord until :meth:`PlanBot.start`; tests and mock mode build the bot,
call :meth:`PlanBot.install`, and feed it messages through ``get_context`` + ``invoke``.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from coachplans.bot.actions import PlanActions
from coachplans.bot.cog import PlanCommands, respond
from coachplans.bot.downloads import ChartDownloader
from coachplans.bot.sync import MessageSync
from coachplans.bot_status import BotState
from coachplans.errors import ValidationFailed
from coachplans.service import PlanService
from coachplans.settings import DiscordSettings

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guild messages with their content (a privileged intent: enable it in the portal)."""
    wanted = discord.Intents.default()
    wanted.message_content = True
    return wanted


# The bot never joins voice: discord.py's start-up warnings about voice libraries are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


class PlanBot(commands.Bot):
    def __init__(
        self,
        config: DiscordSettings,
        service: PlanService,
        bot_state: BotState,
        *,
        downloader: ChartDownloader | None = None,
        context_class: type[commands.Context[Any]] = commands.Context,
    ):
        super().__init__(
            command_prefix=config.command_prefix,
            intents=intents(),
            help_command=None,
            case_insensitive=True,
            # A plan may contain @everyone or role pings: the bot itself never mentions anyone.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.config = config
        self.service = service
        self.bot_state = bot_state
        self.downloader = downloader or ChartDownloader(
            max_bytes=config.max_chart_bytes,
            max_charts=config.max_chart_attachments,
            timeout=config.download_timeout_seconds,
        )
        self.actions = PlanActions(
            service,
            self.downloader,
            admin_user_ids=config.admin_user_ids,
            admin_role_ids=config.admin_role_ids,
        )
        self.sync = MessageSync(self, self.actions, config.channel_ids)
        # Offline use (tests, mock mode) records replies instead of sending them.
        self.context_class = context_class
        self._installed = False

    async def install(self) -> None:
        """Register the commands (no network): called by ``setup_hook`` and by tests."""
        if self._installed:
            return
        if not self._loop_bound():
            # Offline (never logged in): bind discord.py to the running loop as login would,
            # so events such as on_command_error can be scheduled.
            await self.__aenter__()
        from coachplans.bot.slash import add_slash_commands

        await self.add_cog(PlanCommands(self.actions, self.config.command_prefix))
        add_slash_commands(self.tree, self.actions)
        self._installed = True

    def _loop_bound(self) -> bool:
        try:
            self.loop.time()  # discord.py's placeholder loop raises on any attribute
        except AttributeError:
            return False
        return True

    async def setup_hook(self) -> None:
        await self.install()
        if self.config.sync_commands:
            await self._sync_slash_commands()

    async def _sync_slash_commands(self) -> None:
        try:
            if self.config.guild_ids:
                for guild_id in self.config.guild_ids:
                    guild = discord.Object(guild_id)
                    self.tree.copy_global_to(guild=guild)
                    await self.tree.sync(guild=guild)
            else:
                await self.tree.sync()
        except discord.HTTPException as exc:
            # Prefix commands still work; say why the slash commands may be missing.
            log.error("could not register the slash commands with Discord: %s", exc)

    async def on_ready(self) -> None:
        guilds = len(self.guilds)
        self.bot_state.set("connected", f"logged in as {self.user} in {guilds} server(s)")
        log.info(
            "Discord: logged in as %s (id %s) in %d server(s)",
            self.user,
            self.user and self.user.id,
            guilds,
        )
        await self.sync.catch_up_once()

    async def on_resumed(self) -> None:
        self.bot_state.set("connected", f"logged in as {self.user} (session resumed)")

    async def on_disconnect(self) -> None:
        if not self.is_closed():
            self.bot_state.set("disconnected", "connection to Discord lost; reconnecting")

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or not self.sync.watches(message.channel.id):
            return
        await self.process_commands(message)
        await self.sync.processed(message)

    async def process_commands(self, message: discord.Message) -> None:
        ctx = await self.get_context(message, cls=self.context_class)
        await self.invoke(ctx)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.sync.message_edited(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.sync.messages_deleted(payload.channel_id, [payload.message_id])

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.sync.messages_deleted(payload.channel_id, sorted(payload.message_ids))

    async def on_command_error(
        self, ctx: commands.Context[Any], error: commands.CommandError
    ) -> None:
        """Every failure is logged with context and answered briefly; the bot keeps going."""
        if isinstance(error, commands.CommandNotFound):
            return
        cause = getattr(error, "original", error)
        if isinstance(cause, ValidationFailed):  # bad arguments: the reason and the usage
            await respond(ctx, str(cause))
            return
        if isinstance(error, commands.UserInputError):
            await respond(ctx, f"{error} Try `{self.config.command_prefix}help`.")
            return
        log.error(
            "command %r failed: user=%s id=%s channel=%s message=%s",
            ctx.command and ctx.command.qualified_name,
            ctx.author,
            ctx.author.id,
            ctx.channel.id,
            ctx.message.id,
            exc_info=error,
        )
        await respond(ctx, "Something went wrong on our side and nothing was changed.")

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.downloader.aclose()
