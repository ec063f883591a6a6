package main

import (
	kernel "github.com/parley-project/parley"
	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/monitor"
	monitorweb "github.com/parley-project/parley/monitor/web"
	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/talks"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

// plugin is one part of the process: its domain and, if it has pages of
// its own, what makes its section of the UI (a section binds to one site).
type plugin struct {
	domain  kernel.Domain
	section func() web.Section
}

// plugins is the one place the binary names the parts of the process it
// runs: a new domain is a package of its own and one line here.
var plugins = []plugin{
	{talks.Domain{}, func() web.Section { return &talksweb.Section{} }},
	{negotiation.Domain{}, func() web.Section { return &negotiationweb.Section{} }},
	{monitor.Domain{}, func() web.Section { return &monitorweb.Section{} }},
	{ceasefire.Domain{}, func() web.Section { return &ceasefireweb.Section{} }},
	{energy.Domain{}, nil},
}

// registry returns the registry of the binary's domains.
func registry() *kernel.Registry {
	ds := make([]kernel.Domain, len(plugins))
	for i, p := range plugins {
		ds[i] = p.domain
	}
	return kernel.MustRegistry(ds...)
}

// sections returns the domains' own pages, for the UI.
func sections() []web.Section {
	var ss []web.Section
	for _, p := range plugins {
		if p.section != nil {
			ss = append(ss, p.section())
		}
	}
	return ss
}
