package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit/service"
)

// memberKeyCmd is `plaudit member key`: the Ed25519 keys (did:key) a member signs native events with
// (docs/events.md, "Signed native events"), recorded as key events.
func memberKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Link or revoke a member's Ed25519 key (did:key), with which its native events may be signed",
	}
	change := func(use, short, example string, revoke bool) *cobra.Command {
		var by string
		c := &cobra.Command{
			Use:     use,
			Short:   short,
			Example: example,
			Args:    cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				return recordIdentity(cmd, func(ctx context.Context, svc *service.Service) (*service.IdentityChange, error) {
					return svc.KeyChange(ctx, args[0], args[1], revoke, operatorName(by))
				})
			},
		}
		c.Flags().StringVar(&by, "by", "", "operator (default $PLAUDIT_OPERATOR or $USER)")
		return c
	}
	cmd.AddCommand(
		change("add MEMBER DID", "Link an Ed25519 did:key (did:key:z6Mk…) to a member (a handle or an account key such as api:alice)",
			"  plaudit member key add alice did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", false),
		change("remove MEMBER DID", "Revoke a member's did:key: native events signed with it are refused from now on",
			"  plaudit member key remove alice did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", true),
	)
	return cmd
}
