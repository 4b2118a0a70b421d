package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/witness/agent"
)

func init() {
	var config string
	var once bool
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "Run a witness: rebuild closed epochs and sign attestations or disputes (docs/witness.md)",
		Long: `witness runs an independent witness of a community: with its own secp256k1 key (from the variable the
config's key_env names) and its own store, it reads the closed epochs waiting for publication and their
inputs from the operator's API with a witness key, rebuilds each epoch with the code of plaudit verify, and
posts an EIP-712 attestation when the rebuild agrees, or a dispute naming the first member whose amount
differs. It records what it signed before sending it, so a restarted witness never signs twice.`,
		Example: "  PLAUDIT_WITNESS_KEY=0x… PLAUDIT_WITNESS_API_KEY=… plaudit witness --config witness.yml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if config == "" {
				return plaudit.Errorf(plaudit.EINVALID, "--config FILE is required (see docs/witness.md)")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, closeFn, err := remoteAgent(ctx, config)
			if err != nil {
				return err
			}
			defer closeFn()
			if once {
				outs, err := a.Round(ctx)
				for _, o := range outs {
					printOutcome(cmd, o)
				}
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "witness %s: watching for epochs\n", a.Signer.Address())
			return a.Run(ctx, a.Interval)
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "the witness config file (YAML: api, api_key_env, key_env, store, interval)")
	cmd.Flags().BoolVar(&once, "once", false, "attest what is pending once and exit")

	var keyEnv, attestConfig string
	attest := &cobra.Command{
		Use:   "attest EPOCH",
		Short: "Rebuild one closed epoch and print the signed attestation (or the dispute, exit 2)",
		Long: `attest rebuilds closed epoch EPOCH with the code of plaudit verify, from the store (--db) or, with
--config, from the operator's API, and signs with the key in the variable --key-env names. It prints the
attestation as one JSON object on its last line, {"witness", "typed_data": {"domain", "types",
"primaryType", "message"}, "signature"}, the shape ethers' verifyTypedData and eth_signTypedData_v4 take, and
records it (on the store, or by posting it to the API). When the rebuild differs it prints the signed dispute
naming the first member whose amount differs and both amounts, and exits with status 2.`,
		Example: "  PLAUDIT_WITNESS_KEY=0x… plaudit witness attest acme@2026-01-05T00:00:00Z",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var a *agent.Agent
			if attestConfig != "" {
				ra, closeFn, err := remoteAgent(ctx, attestConfig)
				if err != nil {
					return err
				}
				defer closeFn()
				a = &ra.Agent
			} else {
				signer, err := witnessSigner(keyEnv)
				if err != nil {
					return err
				}
				defer signer.Destroy()
				st, err := openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				svc := newService(st)
				a = &agent.Agent{Signer: signer, Source: agent.Local{Service: svc}, Own: svc}
			}
			o, err := a.Attest(ctx, args[0])
			if o != nil {
				printOutcome(cmd, o)
			}
			if err != nil {
				return err
			}
			if o.Dispute != nil {
				return plaudit.Errorf(plaudit.ECONFLICT, "epoch %s disputed: %s", o.Epoch, o.Line)
			}
			return nil
		},
	}
	attest.Flags().StringVar(&keyEnv, "key-env", agent.DefaultKeyEnv, "the environment variable holding the witness's secp256k1 key (64 hex digits)")
	attest.Flags().StringVar(&attestConfig, "config", "", "a witness config file: read the epoch from its API and record in its store")
	cmd.AddCommand(attest)
	rootCmd.AddCommand(cmd)
}

// remote is a witness of a config file with its poll interval.
type remote struct {
	agent.Agent
	Interval time.Duration
}

// remoteAgent builds the witness of a config file: its key, its own store, the operator's API.
func remoteAgent(ctx context.Context, path string) (*remote, func(), error) {
	c, err := agent.LoadConfig(path)
	if err != nil {
		return nil, nil, err
	}
	signer, err := witnessSigner(c.KeyEnv)
	if err != nil {
		return nil, nil, err
	}
	apiKey := os.Getenv(c.APIKeyEnv)
	if apiKey == "" {
		signer.Destroy()
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "%s: set %s to the witness API key", path, c.APIKeyEnv)
	}
	st, err := sqlstore.Open(ctx, c.Store)
	if err != nil {
		signer.Destroy()
		return nil, nil, fmt.Errorf("%s: store: %w", path, err)
	}
	a := &remote{Agent: agent.Agent{Signer: signer, Source: agent.HTTP{BaseURL: c.API, Key: apiKey}, Own: newService(st), Record: st}, Interval: c.Interval}
	return a, func() { signer.Destroy(); st.Close() }, nil
}

// witnessSigner reads the witness key from the environment variable name; its errors never quote it.
func witnessSigner(name string) (*payout.Signer, error) {
	v := os.Getenv(name)
	if v == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "set %s to the witness's secp256k1 key (64 hex digits)", name)
	}
	s, err := payout.NewSigner(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// printOutcome prints what a witness did: a line, then the signed message as one JSON object.
func printOutcome(cmd *cobra.Command, o *agent.Outcome) {
	out := cmd.OutOrStdout()
	if o.Line != "" {
		fmt.Fprintln(out, o.Line)
	}
	if o.State != nil {
		fmt.Fprintf(out, "epoch %s: %s (%d of %d attestations)\n", o.Epoch, o.State.State, o.State.Valid, o.State.Quorum)
	}
	if o.Signed != nil {
		b, _ := json.Marshal(o.Signed)
		fmt.Fprintln(out, string(b))
	}
}
