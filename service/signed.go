package service

import (
	"context"
	"fmt"
	"sync"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/didkey"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/policy"
)

// Signed native events (docs/events.md, "Signed native events"): a member links Ed25519 keys as did:key
// identifiers (key events of source plaudit, replayed by the Directory), and a native (api) event may carry
// its author's detached signature over its canonical bytes in attrs.signature. The API refuses a signature
// that does not verify or whose key the author does not hold; with program.witnesses.signed_native it also
// refuses unsigned native events, and every witness checks each native event's signature again against the
// keys its author held when the event arrived.

// KeyChange links or revokes did, an Ed25519 did:key identifier, for member (a handle or an account key
// such as api:alice; an unknown one is ENOTFOUND). A key already held by another member is ECONFLICT (one
// key speaks for one member); revoking a key the member does not hold is ENOTFOUND. by is the operator, for
// the record. The change is a key event in the log.
func (s *Service) KeyChange(ctx context.Context, member, did string, revoke bool, by string) (*IdentityChange, error) {
	if _, err := didkey.Parse(did); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "key %q: %v", did, err)
	}
	dir, err := s.keyDirectory(ctx)
	if err != nil {
		return nil, err
	}
	handle := member
	if m, ok := dir.Member(member); ok {
		handle = m.Handle
	} else if full, err := s.directory(ctx); err != nil {
		return nil, err
	} else if m, err := findMember(full, member); err != nil {
		return nil, err
	} else {
		handle = m.Handle
	}
	holder := ""
	for _, m := range dir.Members() {
		if m.HasKey(did) {
			holder = m.Handle
		}
	}
	switch {
	case revoke && holder != handle:
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "revoke key %s: member %s does not hold it", did, handle)
	case !revoke && holder == handle:
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "key %s is linked to member %s already", did, handle)
	case !revoke && holder != "":
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "key %s is linked to member %s: revoke it there first", did, holder)
	}
	attrs := map[string]any{"did": did}
	if revoke {
		attrs["revoke"] = true
	}
	return s.recordIdentity(ctx, plaudit.Event{Kind: plaudit.KindKey, Actor: handle, Attrs: attrs}, by, handle)
}

// keyKinds are the kinds that decide which keys speak for an account's member: the account's links and
// the members' merges and keys. Engagement events only register accounts, which changes no one's keys.
var keyKinds = []plaudit.Kind{plaudit.KindLink, plaudit.KindUnlink, plaudit.KindMerge, plaudit.KindKey}

// keyDirectory replays the identity events that decide keys (keyKinds), in log order: enough for
// AuthorKeys, without reading the whole log on every signed POST.
func (s *Service) keyDirectory(ctx context.Context) (*plaudit.Directory, error) {
	dir := plaudit.NewDirectory()
	if err := s.store.ScanEvents(ctx, plaudit.EventFilter{Kinds: keyKinds}, func(e *plaudit.Event) error {
		dir.Apply(e)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read the identity events: %w", err)
	}
	return dir, nil
}

// AuthorOf returns the member handle whose keys may sign e: the member holding e's account in dir, or
// the account key itself for an account dir has not seen (an account seen first is a member of its own).
func AuthorOf(dir *plaudit.Directory, e *plaudit.Event) string {
	if h := dir.MemberOf(e.AccountKey()); h != "" {
		return h
	}
	return e.AccountKey()
}

// SignatureProblem checks the signature of native event e against dir, the directory as it stood when e
// arrived, and returns what is wrong ("" when nothing is): a malformed attrs.signature (invalid is then
// true), a signature that does not verify over eventio.SigningBytes, a key the author does not hold, or no
// signature when required. Events of other sources are not checked.
func SignatureProblem(dir *plaudit.Directory, e *plaudit.Event, required bool) (problem string, invalid bool) {
	if e.Source != plaudit.SourceAPI {
		return "", false
	}
	raw, present := e.Attrs[eventio.SignatureAttr]
	if !present {
		if required {
			return "unsigned: the program requires native events signed by their author (program.witnesses.signed_native)", false
		}
		return "", false
	}
	str, _ := raw.(string)
	did, sig, err := eventio.ParseSignature(str)
	if err != nil {
		return "attrs.signature: " + err.Error(), true
	}
	msg, err := eventio.SigningBytes(e)
	if err != nil {
		return "attrs.signature: " + err.Error(), true
	}
	if ok, err := didkey.Verify(did, msg, sig); err != nil || !ok {
		return fmt.Sprintf("the signature by %s does not verify over the event's canonical bytes", did), false
	}
	author := AuthorOf(dir, e)
	if m, ok := dir.Member(author); !ok || !m.HasKey(did) {
		return fmt.Sprintf("key %s is not linked to the author %s (member %s)", did, e.AccountKey(), author), false
	}
	return "", false
}

// signedNativeByHash caches program.witnesses.signed_native by policy hash: a policy is content-hashed, so
// the answer for a hash never changes, and a POST need not parse the active policy's YAML each time.
var signedNativeByHash sync.Map // string → bool

// signedNativeRequired reports whether the active policy's program requires signed native events; no
// active policy requires nothing.
func (s *Service) signedNativeRequired(ctx context.Context) (bool, error) {
	rec, err := s.store.ActivePolicy(ctx)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("signed events: active policy: %w", err)
	}
	if v, ok := signedNativeByHash.Load(rec.Hash); ok {
		return v.(bool), nil
	}
	p, err := PolicyFromRecord(rec)
	if err != nil {
		return false, fmt.Errorf("signed events: active policy: %w", err)
	}
	signedNativeByHash.Store(rec.Hash, p.Program.Witnesses.SignedNative)
	return p.Program.Witnesses.SignedNative, nil
}

// CheckEventSignatures checks the native events of a batch about to be appended, in order, each against
// the keys its author holds with the batch's events before it applied: a malformed signature is EINVALID,
// one that does not verify, a key not linked to the author or (with program.witnesses.signed_native) a
// missing signature is EFORBIDDEN. The error names the event's index in the request (index[i] is the
// position of events[i]; nil: i) and its id, so that the caller can refuse the whole batch and store nothing.
func (s *Service) CheckEventSignatures(ctx context.Context, events []plaudit.Event, index []int) error {
	native, signed := false, false
	for i := range events {
		if e := &events[i]; e.Source == plaudit.SourceAPI {
			_, sig := e.Attrs[eventio.SignatureAttr]
			native, signed = true, signed || sig
		}
	}
	if !native {
		return nil // only native events are checked: other sources cost nothing here
	}
	required, err := s.signedNativeRequired(ctx)
	if err != nil {
		return err
	}
	if !signed && !required {
		return nil
	}
	dir, err := s.keyDirectory(ctx)
	if err != nil {
		return err
	}
	for i := range events {
		e := &events[i]
		if p, invalid := SignatureProblem(dir, e, required); p != "" {
			code := plaudit.EFORBIDDEN
			if invalid {
				code = plaudit.EINVALID
			}
			at := i
			if index != nil {
				at = index[i]
			}
			return plaudit.Errorf(code, "event %d (%s): %s; nothing in the request was stored", at, e.Key(), p)
		}
		dir.Apply(e)
	}
	return nil
}

// nativeSignatureCheck replays an epoch's inputs one event at a time (see, in seq order) and, when the
// epoch's program requires signed native events, checks the signature of every native event of the epoch's
// window against the keys its author held at that point (events before the window may predate the
// requirement). The first failure (first) is the difference a witness disputes, naming the event. It holds
// only the member directory, so that a rebuild checks a streamed log in the same pass that reads it.
type nativeSignatureCheck struct {
	ep    *plaudit.Epoch
	dir   *plaudit.Directory
	first diff
}

// newNativeSignatureCheck returns the check of ep's native events, or nil when w does not require them signed.
func newNativeSignatureCheck(w policy.Witnesses, ep *plaudit.Epoch) *nativeSignatureCheck {
	if !w.SignedNative {
		return nil
	}
	return &nativeSignatureCheck{ep: ep, dir: plaudit.NewDirectory()}
}

// see checks the next event; after the first failure it does nothing.
func (c *nativeSignatureCheck) see(e *plaudit.Event) {
	if c.first.line != "" {
		return
	}
	if !e.Time.Before(c.ep.Start) && e.Time.Before(c.ep.End) {
		if p, _ := SignatureProblem(c.dir, e, true); p != "" {
			c.first = diff{line: fmt.Sprintf("epoch %s: native event %s (seq %d): %s", c.ep.ID, e.Key(), e.Seq, p),
				member: AuthorOf(c.dir, e), field: "signature", stored: e.Key(), rebuilt: "signature invalid"}
			return
		}
	}
	c.dir.Apply(e)
}
