package plaudit

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// refDirectory is the Directory as it was before it kept accounts compactly (one *Account and one *Member
// for every account): the oracle TestDirectoryMatchesReference compares the compact one with. Kept on
// purpose; it is not used outside the tests.

type refDirectory struct {
	accounts map[string]*Account
	members  map[string]*Member
	tiers    map[string][]tierChange
	merged   map[string]string
	History  []IdentityChange
	// noHistory, set by WithoutHistory, keeps History empty.
	noHistory bool
}

// WithoutHistory makes d keep no identity history (History stays empty) and returns d: for a caller that
// needs who is who but not how it came to be, such as a reputation snapshot, which at a million members
// saves a few hundred bytes a link.
func (d *refDirectory) WithoutHistory() *refDirectory {
	d.noHistory, d.History = true, nil
	return d
}

// NewDirectory returns an empty directory.
func newRefDirectory() *refDirectory {
	return &refDirectory{
		accounts: map[string]*Account{},
		members:  map[string]*Member{},
		tiers:    map[string][]tierChange{},
		merged:   map[string]string{},
	}
}

func (d *refDirectory) member(handle string, t time.Time) *Member {
	handle = d.canonical(handle)
	m := d.members[handle]
	if m == nil {
		m = &Member{Handle: handle, Kind: MemberCommunity, Tier: 1, FirstSeen: t}
		d.members[handle] = m
	}
	return m
}

func (d *refDirectory) canonical(handle string) string {
	for i := 0; i < 64; i++ {
		into, ok := d.merged[handle]
		if !ok {
			break
		}
		handle = into
	}
	return handle
}

// account returns the account for key, creating it (and a member of its own) on first sight.
func (d *refDirectory) account(src Source, id string, t time.Time) *Account {
	key := string(src) + ":" + id
	a := d.accounts[key]
	if a == nil {
		a = &Account{Key: key, Source: src, ID: id, Member: key, FirstSeen: t}
		d.accounts[key] = a
		m := d.member(key, t)
		m.Accounts = insertSorted(m.Accounts, key)
	}
	return a
}

// Apply replays one event. Engagement events only register their accounts; identity events change links,
// tiers and wallets.
func (d *refDirectory) Apply(e *Event) {
	var subject *Member
	if e.Source == SourcePlaudit {
		if e.Kind == KindLink || e.Kind == KindUnlink { // an operator's link names the account "source:id" as actor
			if src, id, ok := strings.Cut(e.Actor, ":"); ok && id != "" && Source(src).Valid() && Source(src) != SourcePlaudit {
				d.relink(e, d.account(Source(src), id, e.Time))
			}
			return
		}
		if e.Kind != KindMerge { // a merge names its members in attrs; its actor is the operator
			subject = d.member(e.Actor, e.Time)
		}
	} else {
		a := d.account(e.Source, e.Actor, e.Time)
		if e.TargetAuthor != "" {
			d.account(e.Source, e.TargetAuthor, e.Time)
		}
		subject = d.member(a.Member, e.Time)
		if !e.Kind.IsIdentity() {
			return
		}
		if e.Kind == KindLink || e.Kind == KindUnlink {
			d.relink(e, a)
			return
		}
	}
	change := IdentityChange{Event: e.Key(), Kind: e.Kind, Time: e.Time}
	if subject != nil {
		change.Member = subject.Handle
	}
	switch e.Kind {
	case KindTier:
		if subject == nil {
			return
		}
		n, _ := e.AttrInt("tier")
		subject.Tier = int(n)
		d.tiers[subject.Handle] = append(d.tiers[subject.Handle], tierChange{e.Time, int(n)})
		change.Detail = "tier " + strconv.Itoa(int(n))
	case KindWallet:
		if subject == nil {
			return
		}
		addr, _ := e.AttrString("address")
		subject.Wallets = insertSorted(subject.Wallets, addr)
		change.Detail = addr
	case KindKey:
		if subject == nil {
			return
		}
		did, _ := e.AttrString("did")
		change.Detail = did
		if revoke, _ := e.AttrBool("revoke"); revoke {
			subject.Keys, change.Detail = removeSorted(subject.Keys, did), "revoke "+did
		} else {
			subject.Keys = insertSorted(subject.Keys, did)
		}
	case KindMerge:
		from, _ := e.AttrString("from")
		into, _ := e.AttrString("into")
		d.merge(from, into, e.Time)
		change.Member, change.Detail = d.canonical(into), "from "+from
	default:
		return
	}
	if !d.noHistory {
		d.History = append(d.History, change)
	}
}

func (d *refDirectory) relink(e *Event, a *Account) {
	old := d.member(a.Member, e.Time)
	target := a.Key
	if e.Kind == KindLink {
		target, _ = e.AttrString("member")
	}
	nm := d.member(target, e.Time)
	if e.Kind == KindLink {
		if k, ok := e.AttrString("member_kind"); ok {
			nm.Kind = MemberKind(k)
		}
	}
	if old != nm {
		old.Accounts = removeSorted(old.Accounts, a.Key)
		nm.Accounts = insertSorted(nm.Accounts, a.Key)
		if old.FirstSeen.Before(nm.FirstSeen) {
			nm.FirstSeen = old.FirstSeen
		}
		if len(old.Accounts) == 0 && old.Handle == a.Key {
			delete(d.members, old.Handle)
		}
	}
	a.Member = nm.Handle
	if !d.noHistory {
		d.History = append(d.History, IdentityChange{Event: e.Key(), Kind: e.Kind, Time: e.Time, Member: nm.Handle, Detail: a.Key + " from " + old.Handle})
	}
}

func (d *refDirectory) merge(from, into string, t time.Time) {
	f, in := d.member(from, t), d.member(into, t)
	if f == in {
		return
	}
	for _, k := range f.Accounts {
		in.Accounts = insertSorted(in.Accounts, k)
		d.accounts[k].Member = in.Handle
	}
	for _, w := range f.Wallets {
		in.Wallets = insertSorted(in.Wallets, w)
	}
	for _, k := range f.Keys {
		in.Keys = insertSorted(in.Keys, k)
	}
	if f.FirstSeen.Before(in.FirstSeen) {
		in.FirstSeen = f.FirstSeen
	}
	if f.Tier > in.Tier {
		in.Tier = f.Tier
	}
	d.tiers[in.Handle] = mergeTiers(d.tiers[in.Handle], d.tiers[f.Handle])
	delete(d.members, f.Handle)
	d.merged[f.Handle] = in.Handle
}

// MemberOf returns the handle of the member that holds the account "source:id" now, or "" when the account
// was never seen.
func (d *refDirectory) MemberOf(accountKey string) string {
	a := d.accounts[accountKey]
	if a == nil {
		return ""
	}
	return d.canonical(a.Member)
}

// MemberOfActor returns the member handle of e's actor: the actor itself for operator events.
func (d *refDirectory) MemberOfActor(e *Event) string {
	if e.Source == SourcePlaudit {
		return d.canonical(e.Actor)
	}
	return d.MemberOf(e.AccountKey())
}

// Member returns the member with the given handle, following merges.
func (d *refDirectory) Member(handle string) (*Member, bool) {
	m, ok := d.members[d.canonical(handle)]
	return m, ok
}

// Account returns the account with the given key.
func (d *refDirectory) Account(key string) (*Account, bool) {
	a, ok := d.accounts[key]
	return a, ok
}

// Members returns every current member, sorted by handle.
func (d *refDirectory) Members() []*Member {
	out := make([]*Member, 0, len(d.members))
	for _, m := range d.members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Handle < out[j].Handle })
	return out
}

// Len returns the number of current members.
func (d *refDirectory) Len() int { return len(d.members) }

// TierAt returns the member's tier at time t: the last tier event at or before t, else 1.
func (d *refDirectory) TierAt(handle string, t time.Time) int {
	handle = d.canonical(handle)
	tier := 1
	for _, c := range d.tiers[handle] {
		if c.at.After(t) {
			break
		}
		tier = c.tier
	}
	return tier
}

// insertSorted adds v to the sorted list s, unless s holds it: the reference's own lists.
func insertSorted(s []string, v string) []string {
	i := sort.SearchStrings(s, v)
	if i < len(s) && s[i] == v {
		return s
	}
	s = append(s, "")
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}
