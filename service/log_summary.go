package service

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// LogSummary is what Plaudit knows of an event log and its member directory: who the members are, their
// accounts, the events by kind and source, the time they span and the most active members. The demo prints
// it after an import.
type LogSummary struct {
	Members   int // every member of the directory
	Projects  int // members of kind project; the rest are community members
	Linked    int // members with accounts on more than one platform
	AboveTier int // members above tier 1
	Wallets   int // members with a wallet
	// Accounts counts the members' accounts per source; AccountTotal is their sum over plaudit.Sources.
	Accounts     map[plaudit.Source]int
	AccountTotal int
	Events       int       // events in the log
	First, Last  time.Time // the earliest and latest event time (zero for an empty log)
	// Sources are the sources that have events, in plaudit.Sources order; Kinds the kinds that have
	// events, in LogKinds order, then any others by name.
	Sources []plaudit.Source
	Kinds   []plaudit.Kind
	// ByKindSource counts the events of each kind and source; BySource and ByKind sum its rows and columns.
	ByKindSource map[plaudit.Kind]map[plaudit.Source]int
	BySource     map[plaudit.Source]int
	ByKind       map[plaudit.Kind]int
	// MostActive are the members with the most engagement events (identity events left out), most first,
	// ties by handle: at most MostActiveMembers of them.
	MostActive []MemberActivity
}

// MemberActivity is one member's engagement events in a LogSummary.
type MemberActivity struct {
	Member   string
	Kind     plaudit.MemberKind // "" when the actor is in no member of the directory
	Tier     int                // 0 when the actor is in no member of the directory
	Known    bool               // whether the directory holds the member
	Events   int
	BySource map[plaudit.Source]int
}

// MostActiveMembers is how many members a LogSummary lists as the most active.
const MostActiveMembers = 10

// LogKinds is the order of kinds in a LogSummary: what people write, then how they react, then operator
// and identity kinds.
var LogKinds = []plaudit.Kind{
	plaudit.KindPost, "message", "issue", "pull_request", plaudit.KindReply, plaudit.KindQuote, plaudit.KindComment,
	plaudit.KindReview, plaudit.KindMention, plaudit.KindRepost, plaudit.KindLike, plaudit.KindFollow,
	plaudit.KindSubmit, plaudit.KindFlag, plaudit.KindCurate, plaudit.KindFeedback,
	plaudit.KindLink, plaudit.KindUnlink, plaudit.KindMerge, plaudit.KindTier, plaudit.KindWallet,
}

// SummarizeLog summarizes events (in log order) and the directory built from them.
func SummarizeLog(events []plaudit.Event, dir *plaudit.Directory) *LogSummary {
	sum := &LogSummary{Accounts: map[plaudit.Source]int{}, Events: len(events), ByKindSource: map[plaudit.Kind]map[plaudit.Source]int{},
		BySource: map[plaudit.Source]int{}, ByKind: map[plaudit.Kind]int{}}
	members := dir.Members()
	sum.Members = len(members)
	for _, m := range members {
		if m.Kind == plaudit.MemberProject {
			sum.Projects++
		}
		if m.Tier > 1 {
			sum.AboveTier++
		}
		if len(m.Wallets) > 0 {
			sum.Wallets++
		}
		srcs := map[string]bool{}
		for _, a := range m.Accounts {
			src, _, _ := strings.Cut(a, ":")
			srcs[src] = true
			sum.Accounts[plaudit.Source(src)]++
		}
		if len(srcs) > 1 {
			sum.Linked++
		}
	}
	for _, s := range plaudit.Sources {
		sum.AccountTotal += sum.Accounts[s]
	}
	if len(events) == 0 {
		return sum
	}
	sum.First, sum.Last = events[0].Time, events[0].Time
	kindSeen := map[plaudit.Kind]bool{}
	act := map[string]*MemberActivity{}
	for i := range events {
		e := &events[i]
		if e.Time.Before(sum.First) {
			sum.First = e.Time
		}
		if e.Time.After(sum.Last) {
			sum.Last = e.Time
		}
		row := sum.ByKindSource[e.Kind]
		if row == nil {
			row = map[plaudit.Source]int{}
			sum.ByKindSource[e.Kind] = row
		}
		row[e.Source]++
		sum.BySource[e.Source]++
		sum.ByKind[e.Kind]++
		kindSeen[e.Kind] = true
		if e.Kind.IsIdentity() {
			continue
		}
		h := dir.MemberOfActor(e)
		a := act[h]
		if a == nil {
			a = &MemberActivity{Member: h, BySource: map[plaudit.Source]int{}}
			act[h] = a
		}
		a.Events++
		a.BySource[e.Source]++
	}
	for _, s := range plaudit.Sources {
		if sum.BySource[s] > 0 {
			sum.Sources = append(sum.Sources, s)
		}
	}
	sum.Kinds = orderedKinds(kindSeen)
	top := make([]*MemberActivity, 0, len(act))
	for _, a := range act {
		top = append(top, a)
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].Events != top[j].Events {
			return top[i].Events > top[j].Events
		}
		return top[i].Member < top[j].Member
	})
	for _, a := range top[:min(MostActiveMembers, len(top))] {
		if m, ok := dir.Member(a.Member); ok {
			a.Kind, a.Tier, a.Known = m.Kind, m.Tier, true
		}
		sum.MostActive = append(sum.MostActive, *a)
	}
	return sum
}

// orderedKinds returns the kinds seen in LogKinds order, then any others by name.
func orderedKinds(seen map[plaudit.Kind]bool) []plaudit.Kind {
	var out, extra []plaudit.Kind
	known := map[plaudit.Kind]bool{}
	for _, k := range LogKinds {
		known[k] = true
		if seen[k] {
			out = append(out, k)
		}
	}
	for k := range seen {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	return append(out, extra...)
}

// CheckEmptyLog refuses, as EINVALID, a store whose log already holds events, for a use that fills a store
// of its own (the demo imports a generated community, activates its own policies and closes epochs). where
// names the store in the message.
func (s *Service) CheckEmptyLog(ctx context.Context, where string) error {
	stats, err := s.store.EventStats(ctx)
	if err != nil {
		return fmt.Errorf("count the events of %s: %w", where, err)
	}
	if stats.Total > 0 {
		return plaudit.Errorf(plaudit.EINVALID, "the store %s already holds %d events: the demo imports a generated community, activates its own policies and closes epochs, so it runs only on an empty store (point --db at a new file, or leave --db out for a temporary one)", where, stats.Total)
	}
	return nil
}
