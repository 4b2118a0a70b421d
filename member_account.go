package plaudit

// MemberOfAccount is MemberOf for the account of source src and platform id: the handle of the member that
// holds it now, or "" when the account was never seen. It builds the account key on the stack, so scorers
// that look up every event of a large log do not allocate for it.
func (d *Directory) MemberOfAccount(src Source, id string) string {
	var buf [128]byte
	b := append(buf[:0], src...)
	b = append(b, ':')
	b = append(b, id...)
	a, ok := d.accounts[string(b)]
	if !ok {
		return ""
	}
	return d.canonical(a.member)
}
