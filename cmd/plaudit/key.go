package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// API keys: created here (or by an admin through POST /v1/keys), stored hashed, shown once.
func init() {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Create, list and revoke API keys (each with a role; stored hashed, shown once)",
	}
	cmd.AddCommand(keyCreateCmd(), keyListCmd(), keyRevokeCmd())
	rootCmd.AddCommand(cmd)
}

func keyCreateCmd() *cobra.Command {
	var role, name, member string
	cmd := &cobra.Command{
		Use:   "create --role ROLE [--name NAME] [--member HANDLE]",
		Short: "Create an API key and print it once, alone on the last line",
		Long: `create makes an API key with a role and prints it once, alone on the last line of standard output.
Only its SHA-256 hash is stored, so it can never be shown again: store it now, and revoke it and create
another if it is lost.

Roles: admin (everything, keys included), core (operate: policies, jobs, epochs, moderation, members),
viewer (read everything an operator sees), ingest (append platform events only), witness (read closed
epochs and their inputs), member (bound to one member with --member: that member's own data).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			by := "cli"
			if u := os.Getenv("USER"); u != "" {
				by = "cli:" + u
			}
			c, err := newService(st).CreateKey(ctx, service.NewKey{Name: name, Role: plaudit.Role(role), Member: member, By: by})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "created API key %d: role %s", c.Key.ID, c.Key.Role)
			if c.Key.Member != "" {
				fmt.Fprintf(out, ", member %s", c.Key.Member)
			}
			if c.Key.Name != "" {
				fmt.Fprintf(out, ", name %q", c.Key.Name)
			}
			fmt.Fprintln(out)
			fmt.Fprintln(out, "the key is shown this once and cannot be shown again: store it now")
			fmt.Fprintln(out, c.Secret)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the key's `ROLE`: admin, core, viewer, ingest, witness or member")
	cmd.Flags().StringVar(&name, "name", "", "what the key is for (\"discord bot\"), shown by key list")
	cmd.Flags().StringVar(&member, "member", "", "for a member key, the `HANDLE` (or account key such as x:1001) of its member")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func keyListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List API keys: id, name, role, member, created, last used and revoked (never the key)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			keys, err := newService(st).Keys(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				if keys == nil {
					keys = []*service.Key{}
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(keys)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tMEMBER\tCREATED\tLAST USED\tREVOKED")
			for _, k := range keys {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, dash(k.Name), k.Role, dash(k.Member),
					k.Created.Format(time.RFC3339), when(k.LastUsed), when(k.Revoked))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func keyRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key at once and for good",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usageError(cmd, fmt.Errorf("ID %q: want a key id from plaudit key list", args[0]))
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			k, err := newService(st).RevokeKey(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked API key %d (%s, role %s) at %s\n", k.ID, dash(k.Name), k.Role, k.Revoked.Format(time.RFC3339))
			return nil
		},
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
