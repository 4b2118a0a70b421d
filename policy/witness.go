package policy

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Witnesses is a program's witness committee (docs/witness.md): the Ethereum addresses of the independent
// parties who rebuild each closed epoch and sign it, how many of them must sign (Quorum, M of N), and how
// long a signed epoch waits for disputes before it is published and its payouts become claimable. A program
// without witnesses (the zero value, left out of the policy's hash) pays as soon as an epoch closes.
//
// Every field is ",omitempty" so that the policies written before a field existed keep their hash.
type Witnesses struct {
	// Addresses are the witnesses' 0x addresses (secp256k1 keys); an attestation counts only when its
	// signature recovers to one of them.
	Addresses []string `yaml:"addresses,omitempty"`
	// Quorum is M: the distinct valid attestations an epoch needs before its dispute window opens;
	// default: a majority of the addresses.
	Quorum int `yaml:"quorum,omitempty"`
	// DisputeWindow is how long an attested epoch waits, with no open dispute, before it is published
	// (e.g. "2h"); default 2h.
	DisputeWindow time.Duration `yaml:"dispute_window,omitempty"`
	// ReviewAbove is a payout in base units above which a member's line needs a person's review before the
	// epoch publishes (tiered validation); 0 or absent: no review.
	ReviewAbove *big.Int `yaml:"review_above,omitempty"`
	// SecondLook is the share of an epoch's rewarded events drawn, once the epoch has closed, into the
	// review queue for a person's second look (seed 004's random sample), as a decimal from 0 to 1:
	// 0.02 draws 2% of them (at least one when any event earned points). 0 or absent: no sample. The draw
	// is deterministic from the epoch's Merkle root and input digest (docs/witness.md, "Second look").
	SecondLook plaudit.Ratio `yaml:"second_look,omitempty"`
	// SignedNative says that native (api) events must carry their author's Ed25519 signature for witnesses
	// to accept them.
	SignedNative bool `yaml:"signed_native,omitempty"`
}

// DefaultDisputeWindow is program.witnesses.dispute_window when a policy lists witnesses but no window.
const DefaultDisputeWindow = 2 * time.Hour

// Enabled reports whether the program has a witness committee: then no epoch pays until it is published.
func (w *Witnesses) Enabled() bool { return len(w.Addresses) > 0 }

// validateWitnesses checks program.witnesses and fills in its defaults (only when witnesses are listed, so
// that a policy without them stays the zero value and keeps its hash).
func (d *decoder) validateWitnesses(w *Witnesses) {
	const path = "program.witnesses"
	if !w.Enabled() {
		if w.Quorum != 0 || w.DisputeWindow != 0 || w.ReviewAbove != nil || w.SecondLook != 0 || w.SignedNative {
			d.failAt(path+".addresses", "missing: witness settings need at least one witness address")
		}
		return
	}
	seen := map[string]int{}
	for i, a := range w.Addresses {
		p := fmt.Sprintf("%s.addresses[%d]", path, i)
		if !addressPattern.MatchString(a) {
			d.failAt(p, "want a 0x address of 40 hex digits, got %q", truncate(a, 50))
			continue
		}
		if j, dup := seen[strings.ToLower(a)]; dup {
			d.failAt(p, "the same address as addresses[%d]", j)
		}
		seen[strings.ToLower(a)] = i
	}
	if w.Quorum == 0 {
		w.Quorum = len(w.Addresses)/2 + 1
	} else if w.Quorum < 1 || w.Quorum > len(w.Addresses) {
		d.failAt(path+".quorum", "want 1 to %d (the number of witnesses), got %d", len(w.Addresses), w.Quorum)
	}
	if w.DisputeWindow == 0 {
		w.DisputeWindow = DefaultDisputeWindow
	} else if w.DisputeWindow < 0 {
		d.failAt(path+".dispute_window", "must not be negative")
	}
	if w.ReviewAbove != nil && w.ReviewAbove.Sign() < 0 {
		d.failAt(path+".review_above", "must not be negative")
	} else if w.ReviewAbove != nil && w.ReviewAbove.Sign() == 0 {
		w.ReviewAbove = nil
	}
	if w.SecondLook < 0 || w.SecondLook > plaudit.One {
		d.failAt(path+".second_look", "want a share from 0 to 1 such as 0.02 (2%% of the rewarded events), got %s", w.SecondLook)
	}
}
