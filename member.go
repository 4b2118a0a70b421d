package plaudit

import (
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/internal/arena"
)

// MemberKind separates project accounts, whose rewards pool into one delegatable project wallet, from
// community members, whose rewards are theirs and non-transferable (the DEM seed).
type MemberKind string

// The member kinds.
const (
	MemberCommunity MemberKind = "community"
	MemberProject   MemberKind = "project"
)

// Account is one identity on one platform, keyed "source:platform-id".
type Account struct {
	Key       string    `json:"key"`    // "x:12345"
	Source    Source    `json:"source"` // x
	ID        string    `json:"id"`     // 12345
	Member    string    `json:"member"` // handle of the member it belongs to now
	FirstSeen time.Time `json:"first_seen"`
}

// Member is a person or a project: the accounts it holds across platforms, its wallets, its kind and tier.
// Rewards go to members, not accounts.
type Member struct {
	Handle    string     `json:"handle"`
	Kind      MemberKind `json:"kind"`
	Tier      int        `json:"tier"` // current tier; TierAt gives it at a time
	Wallets   []string   `json:"wallets,omitempty"`
	Keys      []string   `json:"keys,omitempty"` // Ed25519 did:key identifiers linked by key events, sorted
	Accounts  []string   `json:"accounts"`       // account keys, sorted
	FirstSeen time.Time  `json:"first_seen"`
}

// IdentityChange is one entry of the identity history: a link, unlink, merge, tier or wallet change, with
// the event that made it.
type IdentityChange struct {
	Event  string    `json:"event"` // event key
	Kind   Kind      `json:"kind"`
	Time   time.Time `json:"time"`
	Member string    `json:"member"`           // member changed (for a merge: the one merged into)
	Detail string    `json:"detail,omitempty"` // "x:123 from x:123", "from m2", "tier 2", "0xabc"
}

type tierChange struct {
	at   time.Time
	tier int
}

// DirectoryKinds are the kinds of event that change what a member is: links, unlinks, merges, tiers,
// wallets and keys. A Directory replayed from only these events of a log, in seq order, gives every member
// the same kind, tier, wallets and keys as one replayed from the whole log (engagement events only register
// accounts, each a community member of its own with none of these), though not the same accounts. That is
// what an epoch close needs of a million members' log, and these events are a tiny part of it.
var DirectoryKinds = []Kind{KindLink, KindUnlink, KindMerge, KindTier, KindWallet, KindKey}

// Directory maps accounts to members by replaying the event log. It is a pure function of the events it is
// given, in order: an account seen for the first time becomes a member of its own (handle = account key)
// until a link event moves it; identity events change links, tiers and wallets; history is kept in
// History. Events of source "plaudit" are operator actions whose actor is a member handle — or, for link
// and unlink, the account key "source:id" they move.
//
// Most accounts of a large community are never linked, merged, tiered or given a wallet: each is a
// community member of its own. The directory keeps such an account as its key and first-seen time alone,
// and its member only implicitly (made on demand by Member and Members); a member becomes a *Member of its
// own once an identity event touches it. A million members' directory is a few hundred megabytes smaller
// for it.
//
// Its accounts hold no pointer for the collector to follow: the keys and the handles holding them are
// interned in a nameTable (bytes in large chunks, an index of integers), and each account is a record of
// numbers. The *Members are made in blocks and found by their handle's number, and the strings the
// directory gives out (account keys, member handles) point into the table's chunks. At a million members, where the whole-log stages keep the
// directory beside everything else for their whole run, that halved the CPU of `plaudit verify`, most of
// which had gone to marking three million account keys in every collection.
type Directory struct {
	// names interns the account keys and the handles that hold them; accts is by name number, and a name
	// that is only a handle has an acct whose member is -1.
	names  nameTable
	accts  []acct
	naccts int // the names that are accounts
	// blocks hold the *Members made, by number (memberBlock); dropped marks, by number, those merged away or
	// emptied. made is by name number: for a member's handle, 1 + the number of its *Member, 0 when none was
	// made (or it was dropped). The handles find their *Member through the name table and a number instead
	// of a map of strings to pointers, or a slice of a pointer each, which at a million members were 50 MB
	// and then a million pointers for the collector to follow in every cycle.
	blocks   [][]Member
	nmems    int      // the *Members made, dropped ones included
	dropped  []uint64 // a bit by number
	made     []int32
	nmade    int // the *Members made and not dropped
	implicit int // members that are an account's own and were never made a *Member (accounts only)
	tiers    map[string][]tierChange
	merged   map[string]string
	// moves holds, for each account linked to two members or more in turn, the members that held it in
	// order (AccountHolders); an account linked once keeps its one holder in acct.linked alone.
	moves map[string][]string
	// lists holds the arrays of the made members' Accounts, Wallets and Keys, and text their wallet
	// addresses (arena): at a million members, a few hundred objects for the collector instead of millions.
	lists   arena.Lists
	text    arena.Strings
	History []IdentityChange
	// registered, in a directory of registeredSlots accounts or more, holds accounts register met lately,
	// by their key's hash: a direct-mapped table that a later account of the same hash replaces.
	registered *[registeredSlots]registeredSlot
	// noHistory, set by WithoutHistory, keeps History empty; walletHistory, set by WithWalletHistory, keeps
	// the wallet changes alone.
	noHistory, walletHistory bool
}

// WithoutHistory makes d keep no identity history (History stays empty) and returns d: for a caller that
// needs who is who but not how it came to be, such as a reputation snapshot, which at a million members
// saves a few hundred bytes a link.
func (d *Directory) WithoutHistory() *Directory {
	d.noHistory, d.History = true, nil
	return d
}

// WithWalletHistory makes d keep, of its identity history, the wallet changes alone, and returns d: for a
// caller that needs each member's latest payout wallet (an epoch close's member infos), which the links
// of a million members' history would otherwise bury under hundreds of megabytes.
func (d *Directory) WithWalletHistory() *Directory {
	d.walletHistory = true
	d.History = slices.DeleteFunc(d.History, func(c IdentityChange) bool { return c.Kind != KindWallet })
	return d
}

// keeps reports whether d keeps a history entry of kind k.
func (d *Directory) keeps(k Kind) bool {
	return !d.noHistory && (!d.walletHistory || k == KindWallet)
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{
		tiers:  map[string][]tierChange{},
		merged: map[string]string{},
		moves:  map[string][]string{},
	}
}

// BuildDirectory replays events (in the given order) into a new directory.
func BuildDirectory(events []Event) *Directory {
	d := NewDirectory()
	for i := range events {
		d.Apply(&events[i])
	}
	return d
}

// acct is an account of a Directory, by the number of its key: the member holding it and when it was first
// seen. It holds no pointer, so that the collector does not look at a million members' accounts.
type acct struct {
	first  int64 // first seen, Unix nanoseconds
	member int32 // the name of the handle (before merges) of the member holding it: its own for its own member; -1 for a name that is no account
	linked int32 // the name of the last member a link moved it from or to (not its own), -1 before any: see noteLink
}

// madeFor returns the *Member made for handle (canonical), or nil.
func (d *Directory) madeFor(handle string) *Member {
	n, ok := d.names.lookupString(handle)
	if !ok || d.made[n] == 0 {
		return nil
	}
	return d.memberAt(int(d.made[n] - 1))
}

// The *Members are made in blocks that are never moved, so that the pointers handed out stay valid: the
// first of firstBlock members, each next one twice the size of the one before up to maxBlock, then blocks
// of maxBlock. A million members are a thousand objects for the collector, and a member is found by its
// number with arithmetic.
const (
	firstBlock = 8
	maxBlock   = 1024
	// grownBlocks is how many blocks there are before the first of maxBlock (8, 16, …, 512), and
	// grownMembers how many members they hold.
	grownBlocks  = 7
	grownMembers = maxBlock - firstBlock
)

// memberBlock returns the block and the place in it of the *Member numbered i.
func memberBlock(i int) (block, at int) {
	if i < grownMembers {
		b := bits.Len(uint(i+firstBlock)) - 4 // block b starts at 8·2^b − 8 and holds 8·2^b
		return b, i + firstBlock - firstBlock<<b
	}
	i -= grownMembers
	return grownBlocks + i/maxBlock, i % maxBlock
}

// memberAt returns the *Member numbered i.
func (d *Directory) memberAt(i int) *Member {
	b, at := memberBlock(i)
	return &d.blocks[b][at]
}

// newMember returns a new zero *Member, numbered next; keep names it.
func (d *Directory) newMember() *Member {
	b, at := memberBlock(d.nmems)
	if b == len(d.blocks) {
		size := maxBlock
		if b < grownBlocks {
			size = firstBlock << b
		}
		d.blocks = append(d.blocks, make([]Member, size))
	}
	d.nmems++
	return &d.blocks[b][at]
}

// keep records m, the *Member newMember just made, under its handle.
func (d *Directory) keep(m *Member) {
	n := d.nameOf(m.Handle)
	d.made[n] = int32(d.nmems)
	if need := (d.nmems + 63) / 64; len(d.dropped) < need {
		d.dropped = append(d.dropped, make([]uint64, need-len(d.dropped))...)
	}
	d.nmade++
}

// drop forgets the *Member made for handle (canonical), merged away or emptied.
func (d *Directory) drop(handle string) {
	n, ok := d.names.lookupString(handle)
	if !ok || d.made[n] == 0 {
		return
	}
	i := d.made[n] - 1
	d.dropped[i/64] |= 1 << (i % 64)
	d.made[n] = 0
	d.nmade--
}

// nameOf returns the number of name s, interning it (as no account) when it is new.
func (d *Directory) nameOf(s string) int32 { return d.named(d.names.internString(s)) }

// named returns n, a name just interned, giving it an acct (as no account) when it is new.
func (d *Directory) named(n int32) int32 {
	if int(n) == len(d.accts) {
		d.accts = append(d.accts, acct{member: -1, linked: -1})
		d.made = append(d.made, 0)
	}
	return n
}

// isAccount reports whether name n (-1 for a name not held) is an account.
func (d *Directory) isAccount(n int32) bool { return n >= 0 && d.accts[n].member >= 0 }

// acctOf returns the number of the account key, if it exists.
func (d *Directory) acctOf(key string) (int32, bool) {
	n, _ := d.names.lookupString(key)
	if !d.isAccount(n) {
		return -1, false
	}
	return n, true
}

// holderOf returns the handle (before merges) of the member holding the account key, which exists.
func (d *Directory) holderOf(key string) string {
	n, _ := d.acctOf(key)
	return d.names.str(d.accts[n].member)
}

// setHolder records that the member handle holds the account key, which exists.
func (d *Directory) setHolder(key, handle string) {
	n, _ := d.acctOf(key)
	h := d.nameOf(handle)
	d.accts[n].member = h
}

// isImplicit reports whether handle (canonical) is an account's own member kept implicitly: the account
// exists, is held by its own member, and no *Member was made for it.
func (d *Directory) isImplicit(handle string) bool {
	n, ok := d.acctOf(handle)
	return ok && d.ownImplicit(n, handle)
}

// ownImplicit is isImplicit for the account numbered n, whose key is handle.
func (d *Directory) ownImplicit(n int32, handle string) bool {
	if d.accts[n].member != n || d.made[n] != 0 {
		return false
	}
	_, merged := d.merged[handle]
	return !merged
}

// implicitMember returns the member an account (key, first seen at ns) implicitly is.
func implicitMember(key string, ns int64) Member {
	return Member{Handle: key, Kind: MemberCommunity, Tier: 1, Accounts: []string{key}, FirstSeen: time.Unix(0, ns).UTC()}
}

// member returns the member with the handle (after merges), making a *Member of an implicit one and
// creating one first seen at t when there is none.
func (d *Directory) member(handle string, t time.Time) *Member {
	handle = d.canonical(handle)
	m := d.madeFor(handle)
	if m == nil {
		if n, ok := d.acctOf(handle); ok && d.ownImplicit(n, handle) {
			m = d.newMember()
			*m = implicitMember(d.names.str(n), d.accts[n].first)
			m.Accounts = append(d.lists.Make(1), m.Accounts...)
			d.implicit--
		} else {
			m = d.newMember()
			*m = Member{Handle: d.names.str(d.nameOf(handle)), Kind: MemberCommunity, Tier: 1, FirstSeen: t}
		}
		d.keep(m)
	}
	return m
}

func (d *Directory) canonical(handle string) string {
	for i := 0; i < 64; i++ {
		into, ok := d.merged[handle]
		if !ok {
			break
		}
		handle = into
	}
	return handle
}

// account returns the key of the account of src and id, creating it (and a member of its own) on first
// sight.
func (d *Directory) account(src Source, id string, t time.Time) string {
	var buf [128]byte
	b := accountKey(&buf, src, id)
	if n, _ := d.names.lookup(b); d.isAccount(n) {
		return d.names.str(n)
	}
	n := d.named(d.names.intern(b))
	d.accts[n] = acct{member: n, first: t.UnixNano(), linked: -1}
	d.naccts++
	key := d.names.str(n)
	if d.canonical(key) != key || d.made[n] != 0 {
		m := d.member(key, t) // the handle was merged away or made before: the account joins that member
		m.Accounts = d.insert(m.Accounts, key)
	} else {
		d.implicit++
	}
	return key
}

// register makes sure the account of src and id exists, as account does, without making its key when it
// does: what an engagement event needs, at the price of a lookup. A large directory first looks in
// d.registered.
func (d *Directory) register(src Source, id string, t time.Time) {
	var buf [128]byte
	key := accountKey(&buf, src, id)
	var slot *registeredSlot
	if d.registered != nil && len(key) <= len(slot.key) {
		slot = &d.registered[d.names.hash(key)&(registeredSlots-1)]
		if int(slot.n) == len(key) && string(slot.key[:slot.n]) == string(key) {
			return // an account is never removed
		}
	}
	if n, _ := d.names.lookup(key); !d.isAccount(n) {
		d.account(src, id, t)
	}
	if slot != nil {
		slot.n = uint8(copy(slot.key[:], key))
	} else if d.registered == nil && d.naccts >= registeredSlots {
		d.registered = new([registeredSlots]registeredSlot)
	}
}

// registeredSlots is how many accounts a directory's registered holds, and how many accounts it has before
// it makes one: a small directory does without its 2 MiB.
const registeredSlots = 1 << 16

// A registeredSlot holds an account key known to exist, its bytes inline (a key of up to 31 bytes: an X,
// Discord or Farcaster account's), so that telling whether an engagement's account exists reads one place
// in memory, where the name table reads two far apart. The accounts of a log's events come back often:
// engagers, and the authors they engage with; at a million members a third of register's lookups found
// their account here.
type registeredSlot struct {
	n   uint8
	key [31]byte
}

// Apply replays one event. Engagement events only register their accounts; identity events change links,
// tiers and wallets.
func (d *Directory) Apply(e *Event) {
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
		if !e.Kind.IsIdentity() {
			d.register(e.Source, e.Actor, e.Time)
			if e.TargetAuthor != "" {
				d.register(e.Source, e.TargetAuthor, e.Time)
			}
			return
		}
		key := d.account(e.Source, e.Actor, e.Time)
		if e.TargetAuthor != "" {
			d.register(e.Source, e.TargetAuthor, e.Time)
		}
		if e.Kind == KindLink || e.Kind == KindUnlink {
			d.relink(e, key)
			return
		}
		subject = d.member(d.holderOf(key), e.Time)
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
		if _, found := slices.BinarySearch(subject.Wallets, addr); !found {
			subject.Wallets = d.insert(subject.Wallets, d.text.Keep(addr))
		}
		change.Detail = addr
	case KindKey:
		if subject == nil {
			return
		}
		change.Detail = d.applyKey(e, subject)
	case KindMerge:
		from, _ := e.AttrString("from")
		into, _ := e.AttrString("into")
		d.merge(from, into, e.Time)
		change.Member, change.Detail = d.canonical(into), "from "+from
	default:
		return
	}
	if d.keeps(change.Kind) {
		d.History = append(d.History, change)
	}
}

// relink moves the account key to the member a link event names, or back to its own for an unlink.
func (d *Directory) relink(e *Event, key string) {
	target := key
	if e.Kind == KindLink {
		target, _ = e.AttrString("member")
	}
	holder := d.holderOf(key)
	if d.canonical(holder) == key && d.isImplicit(key) && d.canonical(target) != key {
		d.moveImplicit(e, key, target)
		return
	}
	old := d.member(holder, e.Time)
	nm := d.member(target, e.Time)
	if e.Kind == KindLink {
		if k, ok := e.AttrString("member_kind"); ok {
			nm.Kind = d.kind(k)
		}
	}
	if old != nm {
		old.Accounts = removeSorted(old.Accounts, key)
		nm.Accounts = d.insert(nm.Accounts, key)
		if old.FirstSeen.Before(nm.FirstSeen) {
			nm.FirstSeen = old.FirstSeen
		}
		if len(old.Accounts) == 0 && old.Handle == key {
			d.drop(old.Handle)
		}
	}
	if e.Kind == KindLink {
		d.noteLink(key, old.Handle, nm.Handle)
	}
	d.setHolder(key, nm.Handle)
	if d.keeps(e.Kind) {
		d.History = append(d.History, IdentityChange{Event: e.Key(), Kind: e.Kind, Time: e.Time, Member: nm.Handle, Detail: key + " from " + old.Handle})
	}
}

// moveImplicit is relink of an account held by its own member, kept implicitly, to another member: what
// relink does without making a *Member of the account's own member, which the move empties and removes.
// It is the first link of nearly every linked account.
func (d *Directory) moveImplicit(e *Event, key, target string) {
	n, _ := d.acctOf(key)
	first := time.Unix(0, d.accts[n].first).UTC()
	d.implicit--
	nm := d.member(target, e.Time)
	if e.Kind == KindLink {
		if k, ok := e.AttrString("member_kind"); ok {
			nm.Kind = d.kind(k)
		}
	}
	nm.Accounts = d.insert(nm.Accounts, key)
	if first.Before(nm.FirstSeen) {
		nm.FirstSeen = first
	}
	if e.Kind == KindLink {
		d.noteLink(key, key, nm.Handle)
	}
	d.setHolder(key, nm.Handle)
	if d.keeps(e.Kind) {
		d.History = append(d.History, IdentityChange{Event: e.Key(), Kind: e.Kind, Time: e.Time, Member: nm.Handle, Detail: key + " from " + key})
	}
}

// noteLink records that a link moved the account key from member from to member to: each that is not the
// account's own member joins the account's holders unless it is the last of them already. The first holder
// stays in the account's own record; the second moves all of them into d.moves, so that a million accounts
// linked once cost a string header each, not a slice and a map entry.
func (d *Directory) noteLink(key, from, to string) {
	n, _ := d.acctOf(key)
	linked := d.accts[n].linked
	for _, h := range [2]string{from, to} {
		last := ""
		if linked >= 0 {
			last = d.names.str(linked)
		}
		if h == key || h == last {
			continue
		}
		if hs, ok := d.moves[key]; ok {
			d.moves[key] = append(hs, h)
		} else if last != "" {
			d.moves[key] = []string{last, h}
		}
		linked = -1
		if h != "" {
			linked = d.nameOf(h)
		}
	}
	d.accts[n].linked = linked
}

// AccountHolders returns, for every account that links moved between two members or more, the members that
// held it in the order the links gave it to them (the handles as the links named them, before any later
// merge; the account's own member is left out, and a member is not repeated twice in a row). It is what the
// sybil check reads of how identities moved, and is kept even by a directory WithoutHistory. The map and
// its slices are the caller's.
func (d *Directory) AccountHolders() map[string][]string {
	out := make(map[string][]string, len(d.moves))
	for k, hs := range d.moves {
		out[k] = append([]string(nil), hs...)
	}
	return out
}

func (d *Directory) merge(from, into string, t time.Time) {
	f, in := d.member(from, t), d.member(into, t)
	if f == in {
		return
	}
	for _, k := range f.Accounts {
		in.Accounts = d.insert(in.Accounts, k)
		d.setHolder(k, in.Handle)
	}
	for _, w := range f.Wallets {
		in.Wallets = d.insert(in.Wallets, w)
	}
	for _, k := range f.Keys {
		in.Keys = d.insert(in.Keys, k)
	}
	if f.FirstSeen.Before(in.FirstSeen) {
		in.FirstSeen = f.FirstSeen
	}
	if f.Tier > in.Tier {
		in.Tier = f.Tier
	}
	d.tiers[in.Handle] = mergeTiers(d.tiers[in.Handle], d.tiers[f.Handle])
	d.drop(f.Handle)
	d.merged[f.Handle] = in.Handle
}

func mergeTiers(a, b []tierChange) []tierChange {
	out := append(append([]tierChange{}, a...), b...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// MemberOf returns the handle of the member that holds the account "source:id" now, or "" when the account
// was never seen.
func (d *Directory) MemberOf(accountKey string) string {
	n, ok := d.acctOf(accountKey)
	if !ok {
		return ""
	}
	return d.canonical(d.names.str(d.accts[n].member))
}

// MemberOfActor returns the member handle of e's actor: the actor itself for operator events.
func (d *Directory) MemberOfActor(e *Event) string {
	if e.Source == SourcePlaudit {
		return d.canonical(e.Actor)
	}
	return d.MemberOfAccount(e.Source, e.Actor)
}

// Member returns the member with the given handle, following merges. A member kept implicitly (an
// account's own, never changed) is made afresh for each call: change it through events, not the pointer.
func (d *Directory) Member(handle string) (*Member, bool) {
	handle = d.canonical(handle)
	if m := d.madeFor(handle); m != nil {
		return m, true
	}
	if n, ok := d.acctOf(handle); ok && d.ownImplicit(n, handle) {
		m := implicitMember(d.names.str(n), d.accts[n].first)
		return &m, true
	}
	return nil, false
}

// Account returns the account with the given key.
func (d *Directory) Account(key string) (*Account, bool) {
	n, ok := d.acctOf(key)
	if !ok {
		return nil, false
	}
	a := d.accts[n]
	src, id, _ := strings.Cut(key, ":")
	return &Account{Key: key, Source: Source(src), ID: id, Member: d.names.str(a.member), FirstSeen: time.Unix(0, a.first).UTC()}, true
}

// Members returns every current member, sorted by handle. Members kept implicitly are made afresh.
func (d *Directory) Members() []*Member {
	out := make([]*Member, 0, d.Len())
	for i := range d.nmems {
		if d.dropped[i/64]&(1<<(i%64)) == 0 {
			out = append(out, d.memberAt(i))
		}
	}
	for n, a := range d.accts {
		if a.member < 0 {
			continue
		}
		if key := d.names.str(int32(n)); d.ownImplicit(int32(n), key) {
			m := implicitMember(key, a.first)
			out = append(out, &m)
		}
	}
	slices.SortFunc(out, func(a, b *Member) int { return strings.Compare(a.Handle, b.Handle) })
	return out
}

// Len returns the number of current members.
func (d *Directory) Len() int { return d.nmade + d.implicit }

// TierAt returns the member's tier at time t: the last tier event at or before t, else 1.
func (d *Directory) TierAt(handle string, t time.Time) int {
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

// insert adds v to the sorted list s of a made member, unless s holds it; the lists' arrays come from
// d.lists.
func (d *Directory) insert(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(d.lists.Grow(s), i, v) // Grow made room: no new array
}

// kind returns k as a MemberKind, the package's constant when it is one: a link's member_kind is a string
// of the event's own, which a member would otherwise keep.
func (d *Directory) kind(k string) MemberKind {
	return KnownMemberKind(MemberKind(k), d.text.Keep)
}

// KnownMemberKind returns k as the package's constant when it is one, else keep(k): a kind read from an
// event or a row is a string of its own, which a structure holding a million members' kinds would keep
// a million of.
func KnownMemberKind(k MemberKind, keep func(string) string) MemberKind {
	switch k {
	case MemberCommunity:
		return MemberCommunity
	case MemberProject:
		return MemberProject
	}
	return MemberKind(keep(string(k)))
}

func removeSorted(s []string, v string) []string {
	i := sort.SearchStrings(s, v)
	if i < len(s) && s[i] == v {
		return append(s[:i], s[i+1:]...)
	}
	return s
}
