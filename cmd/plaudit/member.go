package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
)

// Members are not a table of their own: they are replayed from the identity events of the log (link,
// unlink, merge, tier, wallet; see docs/events.md). These commands show the directory and record operator
// changes to it as events, so that history is kept and every derived number can be rebuilt.
func init() {
	cmd := &cobra.Command{
		Use:   "member",
		Short: "List and show members, and link, unlink, merge, tier or add a wallet to them (recorded as identity events)",
	}
	cmd.AddCommand(memberListCmd(), memberShowCmd(), memberLinkCmd(), memberUnlinkCmd(), memberMergeCmd(), memberTierCmd(), memberWalletCmd())
	rootCmd.AddCommand(cmd)
}

func memberListCmd() *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List members: kind, tier, accounts and wallets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kind != "" && kind != string(plaudit.MemberProject) && kind != string(plaudit.MemberCommunity) {
				return plaudit.Errorf(plaudit.EINVALID, "--kind %q: want project or community", kind)
			}
			return withDirectory(cmd.Context(), func(_ plaudit.Store, dir *plaudit.Directory) error {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "MEMBER\tKIND\tTIER\tACCOUNTS\tWALLETS")
				for _, m := range dir.Members() {
					if kind != "" && string(m.Kind) != kind {
						continue
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", m.Handle, m.Kind, m.Tier, strings.Join(m.Accounts, ","), strings.Join(m.Wallets, ","))
				}
				return tw.Flush()
			})
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
			return withDirectory(cmd.Context(), func(_ plaudit.Store, dir *plaudit.Directory) error {
				m, err := findMember(dir, args[0])
				if err != nil {
					return err
				}
				var history []plaudit.IdentityChange
				for _, h := range dir.History {
					if h.Member == m.Handle {
						history = append(history, h)
					}
				}
				return writeMember(cmd.OutOrStdout(), m, history, asJSON)
			})
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
	if len(history) > 0 {
		fmt.Fprintln(w, "history:")
		for _, h := range history {
			fmt.Fprintf(w, "  %s  %-6s  %s  (%s)\n", h.Time.Format(time.RFC3339), h.Kind, h.Detail, h.Event)
		}
	}
	return nil
}

// findMember resolves a handle or an account key ("x:1001") to its member, as moderation does.
func findMember(dir *plaudit.Directory, s string) (*plaudit.Member, error) {
	h, err := moderation.KnownMember(dir, "member", s)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no member or account %q (a member handle, or an account key such as x:1001)", s)
	}
	m, _ := dir.Member(h)
	return m, nil
}

// withDirectory opens the store, replays its log into the directory and runs fn.
func withDirectory(ctx context.Context, fn func(st plaudit.Store, dir *plaudit.Directory) error) error {
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	dir, err := storeDirectory(ctx, st)
	if err != nil {
		return err
	}
	return fn(st, dir)
}

// accountKey splits "source:id" and checks the source.
func accountKey(s string) (plaudit.Source, string, error) {
	src, id, ok := strings.Cut(s, ":")
	if !ok || id == "" || !plaudit.Source(src).Valid() || plaudit.Source(src) == plaudit.SourcePlaudit {
		return "", "", plaudit.Errorf(plaudit.EINVALID, "account %q: want SOURCE:ID with a platform source (x, discord, github, farcaster, api, file)", s)
	}
	return plaudit.Source(src), id, nil
}

// recordIdentity validates an operator's identity event and appends it to the log, then shows the member
// it changed. The event id is "op-" and the time in nanoseconds, so two changes never collide.
func recordIdentity(cmd *cobra.Command, e plaudit.Event, by, show string) error {
	ctx := cmd.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	e.ExternalID = "op-" + strconv.FormatInt(now.UnixNano(), 10)
	e.Time = now
	if e.Attrs == nil {
		e.Attrs = map[string]any{}
	}
	e.Attrs["by"] = operatorName(by)
	if errs := e.Validate(); len(errs) > 0 {
		return &plaudit.ValidationError{Input: string(e.Kind), Errors: errs}
	}
	return withDirectory(ctx, func(st plaudit.Store, dir *plaudit.Directory) error {
		if err := checkIdentityChange(dir, &e); err != nil {
			return err
		}
		if _, err := st.AppendEvents(ctx, []plaudit.Event{e}); err != nil {
			return fmt.Errorf("record %s: %w", e.Kind, err)
		}
		dir.Apply(&e)
		m, err := findMember(dir, show)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "recorded %s/%s\n", e.Source, e.ExternalID)
		return writeMember(cmd.OutOrStdout(), m, nil, false)
	})
}

// checkIdentityChange refuses changes that name what the log does not know, so that a typo never creates a
// member.
func checkIdentityChange(dir *plaudit.Directory, e *plaudit.Event) error {
	switch e.Kind {
	case plaudit.KindUnlink:
		if dir.MemberOf(e.Actor) == "" {
			return plaudit.Errorf(plaudit.ENOTFOUND, "unlink: account %s has never been seen", e.Actor)
		}
	case plaudit.KindMerge:
		for _, k := range []string{"from", "into"} {
			h, _ := e.AttrString(k)
			if _, ok := dir.Member(h); !ok {
				return plaudit.Errorf(plaudit.ENOTFOUND, "merge: no member %q (%s)", h, k)
			}
		}
		from, _ := e.AttrString("from")
		into, _ := e.AttrString("into")
		if a, _ := dir.Member(from); a != nil {
			if b, _ := dir.Member(into); b != nil && a.Handle == b.Handle {
				return plaudit.Errorf(plaudit.EINVALID, "merge: %q and %q are already the same member", from, into)
			}
		}
	case plaudit.KindTier, plaudit.KindWallet:
		if _, ok := dir.Member(e.Actor); !ok {
			return plaudit.Errorf(plaudit.ENOTFOUND, "%s: no member %q", e.Kind, e.Actor)
		}
	}
	return nil
}

var handlePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$`)

func checkHandle(h string) error {
	if !handlePattern.MatchString(h) {
		return plaudit.Errorf(plaudit.EINVALID, "member handle %q: want letters, digits, '.', '_', '-', ':' or '@' (at most 128)", h)
	}
	return nil
}

func memberLinkCmd() *cobra.Command {
	var by, kind string
	cmd := &cobra.Command{
		Use:     "link ACCOUNT MEMBER",
		Short:   "Link a platform account (SOURCE:ID) to a member, creating the member if new",
		Example: "  plaudit member link x:1001 alice\n  plaudit member link discord:8812 echonet --kind project",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, id, err := accountKey(args[0])
			if err != nil {
				return err
			}
			if err := checkHandle(args[1]); err != nil {
				return err
			}
			attrs := map[string]any{"member": args[1]}
			if kind != "" {
				attrs["member_kind"] = kind
			}
			return recordIdentity(cmd, plaudit.Event{Source: plaudit.SourcePlaudit, Kind: plaudit.KindLink, Actor: string(src) + ":" + id, Attrs: attrs}, by, args[1])
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
			src, id, err := accountKey(args[0])
			if err != nil {
				return err
			}
			return recordIdentity(cmd, plaudit.Event{Source: plaudit.SourcePlaudit, Kind: plaudit.KindUnlink, Actor: string(src) + ":" + id}, by, args[0])
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
			op := operatorName(by)
			e := plaudit.Event{Source: plaudit.SourcePlaudit, Kind: plaudit.KindMerge, Actor: op,
				Attrs: map[string]any{"from": args[0], "into": args[1]}}
			return recordIdentity(cmd, e, by, args[1])
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
			if err != nil || n < 1 || n > 100 {
				return plaudit.Errorf(plaudit.EINVALID, "tier %q: want a whole number from 1 to 100", args[1])
			}
			e := plaudit.Event{Source: plaudit.SourcePlaudit, Kind: plaudit.KindTier, Actor: args[0],
				Attrs: map[string]any{"tier": json.Number(strconv.Itoa(n))}}
			return recordIdentity(cmd, e, by, args[0])
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

var walletPattern = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

func memberWalletCmd() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "wallet MEMBER ADDRESS",
		Short: "Add a wallet (0x + 40 hex) to a member: payouts go to it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !walletPattern.MatchString(args[1]) {
				return plaudit.Errorf(plaudit.EINVALID, "wallet %q: want 0x and 40 hex digits", args[1])
			}
			e := plaudit.Event{Source: plaudit.SourcePlaudit, Kind: plaudit.KindWallet, Actor: args[0],
				Attrs: map[string]any{"address": strings.ToLower(args[1])}}
			return recordIdentity(cmd, e, by, args[0])
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}
