package plaudit

// KindDelete records that the event whose id is the target (same source) was deleted on its platform: the
// scoring engine gives the deleted event 0 from then on. Registered for the sources that report deletes
// (farcaster); see docs/events.md.
const KindDelete Kind = "delete"

func init() {
	RegisterKind(SourceFarcaster, KindDelete)
}
