// Package ledger holds the rules of Plaudit's double-entry ledger and of ENG governance weight, as pure
// functions over postings and balances: every posting sums to zero per asset, no account other than an
// external one goes below zero, postings are never edited (a reversal undoes one, with a reason), community
// ENG never moves except by minting, and project ENG moves only by delegation, which the project can revoke.
//
// Stores persist what these functions decide; Book is an in-memory ledger used by tests and by verification.
package ledger

import (
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/plaudit/plaudit"
)

// Key names one balance: an account and an asset.
type Key struct {
	Account string
	Asset   string
}

// Apply checks p and returns the new balances of the accounts it touches, given their current balances
// (get returns nil or zero for an account never used). It refuses, with an EINVALID error naming the
// account, a posting that is unbalanced or that would take a non-external account below zero. It changes
// nothing itself: a store writes the returned balances in the same transaction as the posting.
func Apply(p *plaudit.Posting, get func(Key) *big.Int) (map[Key]*big.Int, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	next := make(map[Key]*big.Int, len(p.Entries))
	for _, e := range p.Entries {
		k := Key{e.Account, e.Asset}
		b, ok := next[k]
		if !ok {
			b = new(big.Int)
			if cur := get(k); cur != nil {
				b.Set(cur)
			}
			next[k] = b
		}
		b.Add(b, e.Amount)
	}
	keys := make([]Key, 0, len(next))
	for k := range next {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Account != keys[j].Account {
			return keys[i].Account < keys[j].Account
		}
		return keys[i].Asset < keys[j].Asset
	})
	for _, k := range keys {
		if next[k].Sign() < 0 && !plaudit.IsExternalAccount(k.Account) {
			return nil, plaudit.Errorf(plaudit.EINVALID, "posting (%s): account %s would hold %s %s: balances never go negative", p.Reason, k.Account, next[k], k.Asset)
		}
	}
	return next, nil
}

// Book is an in-memory ledger: postings in order and the balances they make.
type Book struct {
	balances map[Key]*big.Int
	postings []*plaudit.Posting
	reversed map[int64]int64 // original id → reversing id
}

// NewBook returns an empty ledger.
func NewBook() *Book {
	return &Book{balances: map[Key]*big.Int{}, reversed: map[int64]int64{}}
}

// Post checks and records p, assigning its id. A refused posting changes nothing.
func (b *Book) Post(p *plaudit.Posting) (int64, error) {
	if p.Reverses != 0 {
		if err := b.checkReversal(p); err != nil {
			return 0, err
		}
	}
	next, err := Apply(p, func(k Key) *big.Int { return b.balances[k] })
	if err != nil {
		return 0, err
	}
	for k, v := range next {
		b.balances[k] = v
	}
	p.ID = int64(len(b.postings) + 1)
	b.postings = append(b.postings, p)
	if p.Reverses != 0 {
		b.reversed[p.Reverses] = p.ID
	}
	return p.ID, nil
}

func (b *Book) checkReversal(p *plaudit.Posting) error {
	if p.Reverses < 1 || p.Reverses > int64(len(b.postings)) {
		return plaudit.Errorf(plaudit.ENOTFOUND, "reversal: posting %d not found", p.Reverses)
	}
	return CheckReversal(b.postings[p.Reverses-1], b.reversed[p.Reverses], p)
}

// CheckReversal reports whether p is a valid reversal of orig, which reversedBy (0 if none) already reversed:
// it must name orig, give a reason, and negate orig's entries exactly.
func CheckReversal(orig *plaudit.Posting, reversedBy int64, p *plaudit.Posting) error {
	if reversedBy != 0 {
		return plaudit.Errorf(plaudit.ECONFLICT, "reversal: posting %d was already reversed by posting %d", orig.ID, reversedBy)
	}
	if orig.Reverses != 0 {
		return plaudit.Errorf(plaudit.EINVALID, "reversal: posting %d is itself a reversal; post a new correction instead", orig.ID)
	}
	if len(p.Entries) != len(orig.Entries) {
		return plaudit.Errorf(plaudit.EINVALID, "reversal of posting %d: %d entries, want %d", orig.ID, len(p.Entries), len(orig.Entries))
	}
	for i, e := range p.Entries {
		o := orig.Entries[i]
		if e.Account != o.Account || e.Asset != o.Asset || e.Amount == nil || new(big.Int).Add(e.Amount, o.Amount).Sign() != 0 {
			return plaudit.Errorf(plaudit.EINVALID, "reversal of posting %d: entry %d does not negate the original", orig.ID, i)
		}
	}
	return nil
}

// Balance returns what account holds of asset (a new Int, zero when never used).
func (b *Book) Balance(account, asset string) *big.Int {
	if v := b.balances[Key{account, asset}]; v != nil {
		return new(big.Int).Set(v)
	}
	return new(big.Int)
}

// Balances returns every non-zero balance, by account then asset.
func (b *Book) Balances() []plaudit.Balance {
	out := make([]plaudit.Balance, 0, len(b.balances))
	for k, v := range b.balances {
		if v.Sign() != 0 {
			out = append(out, plaudit.Balance{Account: k.Account, Asset: k.Asset, Amount: new(big.Int).Set(v)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Asset < out[j].Asset
	})
	return out
}

// Postings returns the recorded postings in order.
func (b *Book) Postings() []*plaudit.Posting { return b.postings }

// Reverse posts the reversal of posting id with reason, by origin at time at.
func (b *Book) Reverse(id int64, origin plaudit.Origin, reason string, at time.Time) (int64, error) {
	if id < 1 || id > int64(len(b.postings)) {
		return 0, plaudit.Errorf(plaudit.ENOTFOUND, "reverse: posting %d not found", id)
	}
	if reason == "" {
		return 0, plaudit.Errorf(plaudit.EINVALID, "reverse posting %d: a reversal needs a reason", id)
	}
	return b.Post(b.postings[id-1].Reversal(origin, fmt.Sprintf("reverse posting %d: %s", id, reason), at))
}
