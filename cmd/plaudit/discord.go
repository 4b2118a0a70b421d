package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/discord"
)

// discordRegisterOptions are plaudit discord register's flags.
type discordRegisterOptions struct {
	configFile string // --config
}

func init() {
	cmd := &cobra.Command{
		Use:   "discord",
		Short: "The Discord bot: register its slash commands (plaudit serve answers them)",
	}
	cmd.AddCommand(discordRegisterCmd())
	rootCmd.AddCommand(cmd)
}

func discordRegisterCmd() *cobra.Command {
	var opts discordRegisterOptions
	cmd := &cobra.Command{
		Use:   "register --config FILE",
		Short: "Register (bulk-overwrite) the bot's slash commands with Discord",
		Long: `register sends the bot's slash commands (/connect, /submit, /stats, /leaderboard, /tier, /verify,
/wallet, /claim, /notify) to Discord's REST API with the config file's discord section, replacing the
application's commands: in discord.guild_id's server when set (they appear at once), else globally (they
may take up to an hour to appear). Run it after installing or upgrading Plaudit; see docs/discord.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.configFile == "" {
				return plaudit.Errorf(plaudit.EINVALID, "--config: required: the serve configuration file with the discord section")
			}
			cfg, err := config.Load(opts.configFile)
			if err != nil {
				return err
			}
			if cfg.Discord == nil {
				return plaudit.Errorf(plaudit.EINVALID, "%s: no discord section: nothing to register", opts.configFile)
			}
			b, err := discord.New(cfg.Discord, nil, cfg.PublicURL, slog.Default())
			if err != nil {
				return err
			}
			cmds, err := discord.Register(cmd.Context(), b.REST, b.ApplicationID, b.GuildID)
			if err != nil {
				return err
			}
			where := "globally (they may take up to an hour to appear)"
			if b.GuildID != 0 {
				where = "in server " + b.GuildID.String()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered %d commands %s\n", len(cmds), where)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.configFile, "config", "", "the serve configuration `FILE` whose discord section gives the application, token and server")
	return cmd
}
