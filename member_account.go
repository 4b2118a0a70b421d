package plaudit

// MemberOfAccount is MemberOf for the account of source src and platform id: the handle of the member that
// holds it now, or "" when the account was never seen. It builds the account key on the stack, so scorers
// that look up every event of a large log do not allocate for it.
func (d *Directory) MemberOfAccount(src Source, id string) string {
	var buf [128]byte
	n, _ := d.names.lookup(accountKey(&buf, src, id))
	if !d.isAccount(n) {
		return ""
	}
	return d.canonical(d.names.str(d.accts[n].member))
}

// accountKey writes the account key "source:id" into buf (growing past it only for a longer key) and
// returns it: a map lookup by string(accountKey(...)) does not allocate.
func accountKey(buf *[128]byte, src Source, id string) []byte {
	return append(append(append(buf[:0], src...), ':'), id...)
}
