package plaudit

// Role is what an API key may do. Every route of the API declares the roles that may call it.
type Role string

// The roles. admin does everything, keys included; core operates (policies, jobs, epochs, moderation,
// members); viewer reads everything an operator sees; ingest appends platform events only (never
// operator events of source plaudit, never identity events for other members); witness reads closed epochs
// and their inputs and posts attestations; member is bound to one member and reads that member's own
// profile, scores, explanations, payouts, proofs and claims, and files flags and appeals as them.
const (
	RoleAdmin   Role = "admin"
	RoleCore    Role = "core"
	RoleViewer  Role = "viewer"
	RoleIngest  Role = "ingest"
	RoleWitness Role = "witness"
	RoleMember  Role = "member"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleCore, RoleViewer, RoleIngest, RoleWitness, RoleMember}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}
