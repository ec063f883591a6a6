package main

import (
	kernel "github.com/parley-project/parley"
	"github.com/parley-project/parley/talks"
)

// domains is the one place the binary names the parts of the process it
// runs: a new domain is a package of its own and one line here.
var domains = []kernel.Domain{
	talks.Domain{},
}

// registry returns the registry of the binary's domains.
func registry() *kernel.Registry { return kernel.MustRegistry(domains...) }
