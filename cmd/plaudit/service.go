package main

import (
	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// newService returns the application layer over st, as every command uses it.
func newService(st plaudit.Store) *service.Service {
	return service.New(st, service.Options{})
}
