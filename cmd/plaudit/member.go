package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// Members are not a table of their own: they are replayed from the identity events of the log (link,
// unlink, merge, tier, wallet; see docs/events.md). These commands show the directory and record operator
// changes to it as events, so that history is kept and every derived number can be rebuilt.
func init() {
	cmd := &cobra.Command{
		Use:   "member",
		Short: "List and show members, and link, unlink, merge, tier or add a wallet to them (recorded as identity events)",
	}
	cmd.AddCommand(memberListCmd(), memberShowCmd(), memberLinkCmd(), memberUnlinkCmd(), memberMergeCmd(), memberTierCmd(), memberWalletCmd(), memberKeyCmd())
	rootCmd.AddCommand(cmd)
}

func memberListCmd() *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List members: kind, tier, accounts and wallets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kind != "" && !service.ValidMemberKind(plaudit.MemberKind(kind)) {
				return plaudit.Errorf(plaudit.EINVALID, "--kind %q: want project or community", kind)
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			members, err := newService(st).Members(ctx, plaudit.MemberKind(kind))
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "MEMBER\tKIND\tTIER\tACCOUNTS\tWALLETS")
			for _, m := range members {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", m.Handle, m.Kind, m.Tier, strings.Join(m.Accounts, ","), strings.Join(m.Wallets, ","))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "only project or community members")
	return cmd
}

func memberShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show MEMBER|ACCOUNT",
		Short: "Show a member (by handle, or by an account key such as x:1001) with the history of its identity",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			d, err := newService(st).Member(ctx, args[0])
			if err != nil {
				return err
			}
			return writeMember(cmd.OutOrStdout(), d.Member, d.History, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func writeMember(w io.Writer, m *plaudit.Member, history []plaudit.IdentityChange, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*plaudit.Member
			History []plaudit.IdentityChange `json:"history"`
		}{m, history})
	}
	fmt.Fprintf(w, "member      %s\nkind        %s\ntier        %d\nfirst seen  %s\naccounts    %s\nwallets     %s\n",
		m.Handle, m.Kind, m.Tier, m.FirstSeen.Format(time.RFC3339), strings.Join(m.Accounts, ", "), strings.Join(m.Wallets, ", "))
	if len(m.Keys) > 0 {
		fmt.Fprintf(w, "keys        %s\n", strings.Join(m.Keys, ", "))
	}
	if len(history) > 0 {
		fmt.Fprintln(w, "history:")
		for _, h := range history {
			fmt.Fprintf(w, "  %s  %-6s  %s  (%s)\n", h.Time.Format(time.RFC3339), h.Kind, h.Detail, h.Event)
		}
	}
	return nil
}

// recordIdentity runs change, one of the service's identity changes, over the command line's store and
// prints the event it recorded and the member it changed.
func recordIdentity(cmd *cobra.Command, change func(ctx context.Context, svc *service.Service) (*service.IdentityChange, error)) error {
	ctx := cmd.Context()
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := change(ctx, newService(st))
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "recorded %s/%s\n", c.Event.Source, c.Event.ExternalID)
	return writeMember(cmd.OutOrStdout(), c.Member, nil, false)
}

func memberLinkCmd() *cobra.Command {
	var by, kind string
	cmd := &cobra.Command{
		Use:     "link ACCOUNT MEMBER",
		Short:   "Link a platform account (SOURCE:ID) to a member, creating the member if new",
		Example: "  plaudit member link x:1001 alice\n  plaudit member link discord:8812 echonet --kind project",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return recordIdentity(cmd, func(ctx context.Context, svc *service.Service) (*service.IdentityChange, error) {
				return svc.LinkAccount(ctx, args[0], args[1], plaudit.MemberKind(kind), operatorName(by))
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "member kind: project or community")
	cmd.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

func memberUnlinkCmd() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "unlink ACCOUNT",
		Short: "Detach a platform account from its member; it stands alone again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return recordIdentity(cmd, func(ctx context.Context, svc *service.Service) (*service.IdentityChange, error) {
				return svc.UnlinkAccount(ctx, args[0], operatorName(by))
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

func memberMergeCmd() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "merge FROM INTO",
		Short: "Merge member FROM into member INTO: accounts, wallets and tier history move; FROM's handle follows INTO",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return recordIdentity(cmd, func(ctx context.Context, svc *service.Service) (*service.IdentityChange, error) {
				return svc.MergeMembers(ctx, args[0], args[1], operatorName(by))
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

func memberTierCmd() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "tier MEMBER N",
		Short: "Set a member's tier from now on (the tiered policy prices each engagement by the tier at its time)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil || !service.ValidTier(n) {
				return plaudit.Errorf(plaudit.EINVALID, "tier %q: want a whole number from %d to %d", args[1], service.MinTier, service.MaxTier)
			}
			return recordIdentity(cmd, func(ctx context.Context, svc *service.Service) (*service.IdentityChange, error) {
				return svc.SetTier(ctx, args[0], n, operatorName(by))
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

func memberWalletCmd() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "wallet MEMBER ADDRESS",
		Short: "Add a wallet (0x + 40 hex; mixed case must be EIP-55) to a member: payouts go to it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return recordIdentity(cmd, func(ctx context.Context, svc *service.Service) (*service.IdentityChange, error) {
				return svc.AddWallet(ctx, args[0], args[1], operatorName(by))
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}
