package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/witness/agent"
)

// The demo's witness stage: two in-process witnesses, each with its own key and its own store, rebuild every
// closed epoch from its inputs (as a remote witness reads them from the API) and sign EIP-712 attestations;
// with both (quorum 2) and the demo's one-second dispute window passed, the epochs are published and their
// proofs and claims become available.
func init() { registerDemoStep(65, "witness", demoWitness) }

// demoWitnessKeys are two well-known development keys (Hardhat's accounts 1 and 2), never real ones.
var demoWitnessKeys = []string{
	"0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	"0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3b79a4560d7f1e3b",
}

// demoWitnessWindow is the demo program's dispute window: short, so that the demo sees its epochs publish.
const demoWitnessWindow = time.Second

// demoWitnessesYAML is the witnesses section the demo program lists: the two demo witnesses, quorum 2.
func demoWitnessesYAML() string {
	var addrs []string
	for _, k := range demoWitnessKeys {
		s, err := payout.NewSigner(k)
		if err != nil {
			panic(err)
		}
		addrs = append(addrs, `"`+s.Address().String()+`"`)
		s.Destroy()
	}
	return "  witnesses:\n    addresses: [" + strings.Join(addrs, ", ") + "]\n    quorum: 2\n    dispute_window: " + demoWitnessWindow.String() + "\n"
}

func demoWitness(env *demoEnv) error {
	if env.store == nil {
		return nil
	}
	ctx := env.context()
	svc := env.service()
	pending, err := svc.PublishDue(ctx, "")
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		fmt.Fprintln(env.out, "== Witnesses: no closed epoch waits for attestations")
		return nil
	}
	began := time.Now()
	fmt.Fprintf(env.out, "\n== Witnesses: 2 in-process witnesses (quorum 2, dispute window %s) rebuild %d closed epochs and sign\n", demoWitnessWindow, len(pending))
	src := agent.Local{Service: svc}
	for i, k := range demoWitnessKeys {
		signer, err := payout.NewSigner(k)
		if err != nil {
			return err
		}
		own, err := openDemoWitnessStore(env, i)
		if err != nil {
			signer.Destroy()
			return err
		}
		a := &agent.Agent{Signer: signer, Source: src, Own: newService(own), Record: own}
		outs, err := a.Round(ctx)
		signer.Destroy()
		own.Close()
		if err != nil {
			return err
		}
		for _, o := range outs {
			if o.Dispute != nil {
				return fmt.Errorf("witness %s disputes %s: %s", signer.Address(), o.Epoch, o.Line)
			}
			var msg struct {
				Root      string `json:"root"`
				TotalPaid string `json:"totalPaid"`
			}
			_ = jsonUnmarshal(o.Signed.TypedData.Message, &msg)
			fmt.Fprintf(env.out, "witness %s attests %s: root %s, paid %s, signature %s… (%s, %d of %d)\n",
				o.Signed.Witness, o.Epoch, short(msg.Root), msg.TotalPaid, o.Signed.Signature.String()[:18], o.State.State, o.State.Valid, o.State.Quorum)
		}
	}
	time.Sleep(demoWitnessWindow)
	published := 0
	for _, st := range pending {
		now, err := svc.WitnessState(ctx, st.Epoch)
		if err != nil {
			return err
		}
		if now.State == service.EpochPublished {
			published++
		}
	}
	fmt.Fprintf(env.out, "%d of %d epochs published after the dispute window, in %s: their proofs and claims are now available\n",
		published, len(pending), time.Since(began).Round(time.Millisecond))
	return nil
}

func short(h string) string {
	if len(h) > 18 {
		return h[:18] + "…"
	}
	return h
}

// openDemoWitnessStore opens witness i's own store: a SQLite file in the demo's folder.
func openDemoWitnessStore(env *demoEnv, i int) (*sqlstore.DB, error) {
	return sqlstore.Open(env.context(), filepath.Join(env.dir, fmt.Sprintf("witness-%d.db", i)))
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
