package discord

import (
	"context"
	"fmt"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/json"
	"github.com/disgoorg/snowflake/v2"
)

// Commands returns the bot's slash commands, as `plaudit discord register` sends them.
func Commands() []discord.ApplicationCommandCreate {
	one, hundred := 1, 100
	str := func(name, desc string, required bool) discord.ApplicationCommandOptionString {
		return discord.ApplicationCommandOptionString{Name: name, Description: desc, Required: required}
	}
	admin := json.NewNullablePtr(discord.PermissionManageRoles) // hidden from non-admins by default; roles are checked again
	return []discord.ApplicationCommandCreate{
		discord.SlashCommandCreate{Name: "connect", Description: "Link your X account to earn points",
			Options: []discord.ApplicationCommandOption{str("handle", "Your X handle, such as @alice", true)}},
		discord.SlashCommandCreate{Name: "submit", Description: "Submit one of your X posts: others' likes, reposts and replies earn them points",
			Options: []discord.ApplicationCommandOption{str("url", "The post's link, such as https://x.com/alice/status/1790000000000000001", true),
				str("category", "What the post is about (optional)", false)}},
		discord.SlashCommandCreate{Name: "stats", Description: "Your points, tier, rank and last awards (only you see it)",
			Options: []discord.ApplicationCommandOption{discord.ApplicationCommandOptionUser{Name: "user", Description: "Another member (optional)"}}},
		discord.SlashCommandCreate{Name: "leaderboard", Description: "The top 10 members by points, and your rank",
			Options: []discord.ApplicationCommandOption{discord.ApplicationCommandOptionString{Name: "window", Description: "all (default), week or epoch",
				Choices: []discord.ApplicationCommandOptionChoiceString{{Name: "all time", Value: "all"}, {Name: "this week", Value: "week"}, {Name: "last epoch", Value: "epoch"}}}}},
		discord.SlashCommandCreate{Name: "tier", Description: "Set a member's tier (admins)", DefaultMemberPermissions: admin,
			Options: []discord.ApplicationCommandOption{discord.ApplicationCommandOptionUser{Name: "user", Description: "The member", Required: true},
				discord.ApplicationCommandOptionInt{Name: "level", Description: "The tier, 1 to 100", Required: true, MinValue: &one, MaxValue: &hundred}}},
		discord.SlashCommandCreate{Name: "verify", Description: "Vouch that a member's unverified X link is theirs (admins)", DefaultMemberPermissions: admin,
			Options: []discord.ApplicationCommandOption{discord.ApplicationCommandOptionUser{Name: "user", Description: "The member", Required: true}}},
		discord.SlashCommandCreate{Name: "wallet", Description: "Register your payout wallet",
			Options: []discord.ApplicationCommandOption{str("address", "Your wallet address, 0x and 40 hex digits", true)}},
		discord.SlashCommandCreate{Name: "claim", Description: "Your payouts and the link to claim them"},
		discord.SlashCommandCreate{Name: "notify", Description: "Turn payout DMs on or off",
			Options: []discord.ApplicationCommandOption{discord.ApplicationCommandOptionString{Name: "setting", Description: "on or off", Required: true,
				Choices: []discord.ApplicationCommandOptionChoiceString{{Name: "on", Value: "on"}, {Name: "off", Value: "off"}}}}},
	}
}

// ephemeralCommand says whose replies only the caller sees: all but the leaderboard.
func ephemeralCommand(name string) bool { return name != "leaderboard" }

// Register bulk-overwrites the application's commands: in the guild when guild is not 0, else globally
// (global commands take up to an hour to appear everywhere). It returns the commands Discord now has.
func Register(ctx context.Context, r rest.Applications, app, guild snowflake.ID) ([]discord.ApplicationCommand, error) {
	var (
		cmds []discord.ApplicationCommand
		err  error
	)
	if guild != 0 {
		cmds, err = r.SetGuildCommands(app, guild, Commands(), rest.WithCtx(ctx))
	} else {
		cmds, err = r.SetGlobalCommands(app, Commands(), rest.WithCtx(ctx))
	}
	if err != nil {
		return nil, fmt.Errorf("register discord commands: %w", err)
	}
	return cmds, nil
}
