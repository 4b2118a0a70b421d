package plaudit

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestDirectoryMatchesReference replays random logs (engagement between a few accounts on three sources,
// account and operator links and unlinks to a few handles, merges of handles and account keys, tiers,
// wallets, keys) into the compact Directory and into refDirectory, the directory as it was before it kept
// accounts compactly, and compares everything a caller can read after every event: members (each field),
// Len, History, each account's member and fields, each handle's member and tier over time.
func TestDirectoryMatchesReference(t *testing.T) {
	for seed := range uint64(300) {
		events := randomDirectoryLog(seed, 60)
		d, ref := NewDirectory(), newRefDirectory()
		for i := range events {
			d.Apply(&events[i])
			ref.Apply(&events[i])
			if err := compareDirectories(d, ref, events[:i+1]); err != nil {
				t.Fatalf("seed %d, after event %d (%+v): %v", seed, i, events[i], err)
			}
		}
	}
}

func randomDirectoryLog(seed uint64, n int) []Event {
	r := rand.New(rand.NewPCG(seed, 7))
	sources := []Source{SourceX, SourceDiscord, SourceGitHub}
	ids := []string{"1", "2", "3", "4"}
	handles := []string{"alice", "bob", "x:1", "discord:2", "github:3"}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	var events []Event
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := range n {
		e := Event{ExternalID: fmt.Sprint(i), Time: t0.Add(time.Duration(i) * time.Hour), Source: sources[r.IntN(len(sources))], Actor: pick(ids)}
		switch r.IntN(10) {
		case 0, 1, 2:
			e.Kind = KindLike
			if r.IntN(2) == 0 {
				e.TargetAuthor = pick(ids)
			}
		case 3:
			e.Kind, e.Attrs = KindLink, map[string]any{"member": pick(handles)}
			if r.IntN(3) == 0 {
				e.Attrs["member_kind"] = "project"
			}
			if r.IntN(2) == 0 { // an operator's link names the account as actor
				e.Actor, e.Source = string(e.Source)+":"+e.Actor, SourcePlaudit
			} else if r.IntN(2) == 0 {
				e.TargetAuthor = pick(ids)
			}
		case 4:
			e.Kind = KindUnlink
			if r.IntN(2) == 0 {
				e.Actor, e.Source = string(e.Source)+":"+e.Actor, SourcePlaudit
			}
		case 5:
			e.Kind, e.Source, e.Actor = KindMerge, SourcePlaudit, "ops"
			e.Attrs = map[string]any{"from": pick(handles), "into": pick(handles)}
		case 6:
			e.Kind, e.Attrs = KindTier, map[string]any{"tier": int64(r.IntN(4))}
			if r.IntN(2) == 0 {
				e.Source, e.Actor = SourcePlaudit, pick(handles)
			}
		case 7:
			e.Kind, e.Attrs = KindWallet, map[string]any{"address": fmt.Sprintf("0x%02d", r.IntN(5))}
			if r.IntN(2) == 0 {
				e.Source, e.Actor = SourcePlaudit, pick(handles)
			}
		case 8:
			e.Kind, e.Source, e.Actor = KindKey, SourcePlaudit, pick(handles)
			e.Attrs = map[string]any{"did": fmt.Sprintf("did:key:z%d", r.IntN(3)), "revoke": r.IntN(3) == 0}
		case 9:
			e.Kind, e.Source, e.Actor = KindPost, SourcePlaudit, pick(handles) // an operator's non-identity event
		}
		events = append(events, e)
	}
	return events
}

func compareDirectories(d *Directory, ref *refDirectory, events []Event) error {
	if got, want := d.Members(), ref.Members(); !reflect.DeepEqual(memberValues(got), memberValues(want)) {
		return fmt.Errorf("members:\n got %+v\nwant %+v", memberValues(got), memberValues(want))
	}
	if d.Len() != ref.Len() {
		return fmt.Errorf("Len %d, want %d", d.Len(), ref.Len())
	}
	if !reflect.DeepEqual(d.History, ref.History) {
		return fmt.Errorf("history:\n got %+v\nwant %+v", d.History, ref.History)
	}
	keys := make([]string, 0, len(ref.accounts))
	for k := range ref.accounts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if d.naccts != len(keys) {
		return fmt.Errorf("%d accounts, want %d", d.naccts, len(keys))
	}
	for _, k := range append(keys, "x:never") {
		if got, want := d.MemberOf(k), ref.MemberOf(k); got != want {
			return fmt.Errorf("MemberOf(%s) = %q, want %q", k, got, want)
		}
		ga, gok := d.Account(k)
		wa, wok := ref.Account(k)
		if gok != wok || (gok && (ga.Key != wa.Key || ga.Source != wa.Source || ga.ID != wa.ID || ga.Member != wa.Member || !ga.FirstSeen.Equal(wa.FirstSeen))) {
			return fmt.Errorf("Account(%s) = %+v %v, want %+v %v", k, ga, gok, wa, wok)
		}
	}
	for i := range events {
		if got, want := d.MemberOfActor(&events[i]), ref.MemberOfActor(&events[i]); got != want {
			return fmt.Errorf("MemberOfActor(%s) = %q, want %q", events[i].Key(), got, want)
		}
	}
	for _, h := range append(keys, "alice", "bob", "nobody") {
		gm, gok := d.Member(h)
		wm, wok := ref.Member(h)
		if gok != wok || (gok && !reflect.DeepEqual(memberValue(gm), memberValue(wm))) {
			return fmt.Errorf("Member(%s) = %+v %v, want %+v %v", h, gm, gok, wm, wok)
		}
		for i := range events {
			if got, want := d.TierAt(h, events[i].Time), ref.TierAt(h, events[i].Time); got != want {
				return fmt.Errorf("TierAt(%s, %s) = %d, want %d", h, events[i].Time, got, want)
			}
		}
	}
	return nil
}

// memberValue is a member with its first-seen time in Unix nanoseconds, so that equal instants compare
// equal whatever their location, and nil and empty lists alike.
type memberVal struct {
	Handle                  string
	Kind                    MemberKind
	Tier                    int
	Wallets, Keys, Accounts string
	FirstSeen               int64
}

func memberValue(m *Member) memberVal {
	return memberVal{m.Handle, m.Kind, m.Tier, fmt.Sprint(m.Wallets), fmt.Sprint(m.Keys), fmt.Sprint(m.Accounts), m.FirstSeen.UnixNano()}
}

func memberValues(ms []*Member) []memberVal {
	out := make([]memberVal, len(ms))
	for i, m := range ms {
		out[i] = memberValue(m)
	}
	return out
}

// BenchmarkDirectory replays a log of 100,000 accounts on three sources (engagement between them, a third
// linked to a member handle of two accounts each, a wallet for one member in ten) into the compact
// Directory and into refDirectory, in the same run, and reports the live heap each holds per account
// (live-B/account) besides the time per event.
//
//	go test -run '^$' -bench BenchmarkDirectory -count 6 . | benchstat -col /dir -
func BenchmarkDirectory(b *testing.B) {
	const accounts = 100_000
	sources := []Source{SourceX, SourceDiscord, SourceFarcaster}
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var events []Event
	for i := range accounts {
		src, id := sources[i%3], fmt.Sprint(1_000_000_000+i)
		e := Event{Source: src, ExternalID: "e" + id, Kind: KindLike, Actor: id, TargetAuthor: fmt.Sprint(1_000_000_000 + (i*7919)%accounts), Time: t0.Add(time.Duration(i) * time.Second)}
		events = append(events, e)
		if i%3 == 0 {
			h := fmt.Sprintf("member_%d", i/6)
			events = append(events, Event{Source: src, ExternalID: "l" + id, Kind: KindLink, Actor: id, Time: e.Time, Attrs: map[string]any{"member": h}})
			if i%30 == 0 {
				events = append(events, Event{Source: SourcePlaudit, ExternalID: "w" + id, Kind: KindWallet, Actor: h, Time: e.Time, Attrs: map[string]any{"address": "0x" + id}})
			}
		}
	}
	for _, dir := range []string{"compact", "reference"} {
		b.Run("dir="+dir, func(b *testing.B) {
			var live uint64
			for b.Loop() {
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				before := ms.HeapAlloc
				var keep any
				if dir == "compact" {
					d := NewDirectory().WithoutHistory()
					for i := range events {
						d.Apply(&events[i])
					}
					keep = d
				} else {
					d := newRefDirectory().WithoutHistory()
					for i := range events {
						d.Apply(&events[i])
					}
					keep = d
				}
				runtime.GC()
				runtime.ReadMemStats(&ms)
				live = ms.HeapAlloc - before
				runtime.KeepAlive(keep)
			}
			b.ReportMetric(float64(live)/accounts, "live-B/account")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
		})
	}
}

// TestAccountHoldersMatchHistory checks AccountHolders against what the sybil check read from History
// before: per account, the members each link moved it from and to (not its own), consecutive repeats
// dropped; the accounts with two or more of them. Both with and without history, over the random logs.
func TestAccountHoldersMatchHistory(t *testing.T) {
	moved := 0
	for seed := range uint64(300) {
		events := randomDirectoryLog(seed, 80)
		d, lean := NewDirectory(), NewDirectory().WithoutHistory()
		for i := range events {
			d.Apply(&events[i])
			lean.Apply(&events[i])
		}
		want := map[string][]string{}
		for _, c := range d.History {
			if c.Kind != KindLink {
				continue
			}
			acct, from, ok := strings.Cut(c.Detail, " from ")
			if !ok {
				t.Fatalf("seed %d: link detail %q", seed, c.Detail)
			}
			for _, h := range []string{from, c.Member} {
				if h == acct {
					continue
				}
				if hs := want[acct]; len(hs) == 0 || hs[len(hs)-1] != h {
					want[acct] = append(hs, h)
				}
			}
		}
		for k, hs := range want {
			if len(hs) < 2 {
				delete(want, k)
			}
		}
		moved += len(want)
		for name, dir := range map[string]*Directory{"history": d, "without history": lean} {
			if got := dir.AccountHolders(); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d, %s: AccountHolders\n got %v\nwant %v", seed, name, got, want)
			}
		}
	}
	if moved < 100 {
		t.Fatalf("the random logs moved only %d accounts between members: the test would prove little", moved)
	}
	t.Logf("%d accounts moved between members", moved)
}

// TestWalletHistory checks that a directory keeping the wallet changes alone has exactly the full
// history's wallet entries, in order, and the same members, over the random logs (and when the option is
// set after some events).
func TestWalletHistory(t *testing.T) {
	wallets := 0
	for seed := range uint64(300) {
		events := randomDirectoryLog(seed, 80)
		d, lean, late := NewDirectory(), NewDirectory().WithWalletHistory(), NewDirectory()
		for i := range events {
			d.Apply(&events[i])
			lean.Apply(&events[i])
			if late.Apply(&events[i]); i == len(events)/2 {
				late.WithWalletHistory()
			}
		}
		var want []IdentityChange
		for _, c := range d.History {
			if c.Kind == KindWallet {
				want = append(want, c)
			}
		}
		wallets += len(want)
		for name, dir := range map[string]*Directory{"from the start": lean, "set halfway": late} {
			if !reflect.DeepEqual(dir.History, want) {
				t.Fatalf("seed %d, %s: wallet history\n got %v\nwant %v", seed, name, dir.History, want)
			}
			if !reflect.DeepEqual(dir.Members(), d.Members()) {
				t.Fatalf("seed %d, %s: the members differ from the full directory's", seed, name)
			}
		}
	}
	if wallets < 100 {
		t.Fatalf("the random logs changed only %d wallets: the test would prove little", wallets)
	}
	t.Logf("%d wallet changes", wallets)
}

// TestMemberBlocks checks that the *Members' numbers fill the blocks in order, each place once: the first
// blocks growing from 8 to 1024, every later one of 1024.
func TestMemberBlocks(t *testing.T) {
	block, at, size := 0, 0, firstBlock
	for i := range 20_000 {
		b, a := memberBlock(i)
		if b != block || a != at {
			t.Fatalf("member %d: block %d place %d, want block %d place %d", i, b, a, block, at)
		}
		if at++; at == size {
			block, at, size = block+1, 0, min(2*size, maxBlock)
		}
	}
}

// TestMembersMadeAndDropped makes members across several blocks, drops some by merging them away, and
// checks that every pointer handed out still holds its member and that Members lists the others.
func TestMembersMadeAndDropped(t *testing.T) {
	d := NewDirectory()
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const n = 3000
	ptrs := make([]*Member, n)
	for i := range n {
		h := fmt.Sprintf("m%05d", i)
		d.Apply(&Event{Source: SourcePlaudit, ExternalID: "t" + h, Kind: KindTier, Actor: h, Time: at, Attrs: map[string]any{"tier": 2}})
		m, ok := d.Member(h)
		if !ok || m.Handle != h {
			t.Fatalf("member %s: %v %v", h, m, ok)
		}
		ptrs[i] = m
	}
	for i := 0; i < n; i += 7 { // merge every seventh into the one after it
		from, into := fmt.Sprintf("m%05d", i), fmt.Sprintf("m%05d", i+1)
		d.Apply(&Event{Source: SourcePlaudit, ExternalID: "merge" + from, Kind: KindMerge, Actor: "op", Time: at, Attrs: map[string]any{"from": from, "into": into}})
	}
	for i, m := range ptrs {
		if want := fmt.Sprintf("m%05d", i); m.Handle != want || m.Tier != 2 {
			t.Fatalf("pointer %d now holds %s tier %d", i, m.Handle, m.Tier)
		}
	}
	ms := d.Members()
	if want := n - (n+6)/7; len(ms) != want || d.Len() != want {
		t.Fatalf("%d members listed, Len %d, want %d", len(ms), d.Len(), want)
	}
	for _, m := range ms {
		var i int
		fmt.Sscanf(m.Handle, "m%05d", &i)
		if i%7 == 0 {
			t.Fatalf("%s was merged away but is listed", m.Handle)
		}
	}
}

// TestRegisteredLarge registers the accounts of engagements in a directory past registeredSlots accounts,
// where register looks in its table first: every account is made once, first seen at its first event,
// whether it comes back soon (found in the table), late (replaced there by another) or is new, and keys
// too long for the table go through the name table alone.
func TestRegisteredLarge(t *testing.T) {
	d := NewDirectory()
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	first := map[string]time.Time{}
	rng := rand.New(rand.NewPCG(7, 9))
	const accounts = 3 * registeredSlots
	for i := range 4 * accounts {
		var id string
		switch {
		case i < accounts:
			id = fmt.Sprint(i)
		case i%5 == 0:
			id = fmt.Sprintf("long-%040d", rng.IntN(accounts)) // past the table's 31 bytes
		default:
			id = fmt.Sprint(rng.IntN(accounts + accounts/2)) // seen before, or new
		}
		at := t0.Add(time.Duration(i) * time.Second)
		d.Apply(&Event{Source: SourceX, ExternalID: fmt.Sprint("e", i), Kind: KindLike, Actor: id, Target: "p", Time: at})
		if _, ok := first["x:"+id]; !ok {
			first["x:"+id] = at
		}
	}
	if d.registered == nil {
		t.Fatal("a directory of many accounts made no table of registered accounts")
	}
	if d.Len() != len(first) {
		t.Fatalf("%d members, want %d (one per account)", d.Len(), len(first))
	}
	for key, at := range first {
		a, ok := d.Account(key)
		if !ok || !a.FirstSeen.Equal(at) {
			t.Fatalf("account %s: %+v, %v; want first seen %s", key, a, ok, at)
		}
	}
}
