package main

import (
	kernel "github.com/parley-project/parley"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/energy"
	energyapi "github.com/parley-project/parley/energy/api"
	energyweb "github.com/parley-project/parley/energy/web"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/monitor"
	monitorapi "github.com/parley-project/parley/monitor/api"
	monitorweb "github.com/parley-project/parley/monitor/web"
	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/reconstruction"
	reconstructionapi "github.com/parley-project/parley/reconstruction/api"
	reconstructionweb "github.com/parley-project/parley/reconstruction/web"
	"github.com/parley-project/parley/talks"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/translation"
	translationweb "github.com/parley-project/parley/translation/web"
	"github.com/parley-project/parley/web"
)

// plugin is one part of the process: its domain and, if it has pages of
// its own, what makes its section of the UI (a section binds to one site);
// if it has API endpoints of its own, what makes them on a service.
type plugin struct {
	domain    kernel.Domain
	section   func() web.Section
	endpoints func(*app.Service) []httpapi.Endpoint
}

// plugins is the one place the binary names the parts of the process it
// runs: a new domain is a package of its own and one line here.
var plugins = []plugin{
	{talks.Domain{}, func() web.Section { return &talksweb.Section{} }, nil},
	{negotiation.Domain{}, func() web.Section { return &negotiationweb.Section{} }, nil},
	{monitor.Domain{}, func() web.Section { return &monitorweb.Section{} }, monitorapi.Endpoints},
	{ceasefire.Domain{}, func() web.Section { return &ceasefireweb.Section{} }, nil},
	{energy.Domain{}, func() web.Section { return &energyweb.Section{} }, energyapi.Endpoints},
	{reconstruction.Domain{}, func() web.Section { return &reconstructionweb.Section{PhaseStanding: ceasefireweb.PhaseStanding} }, reconstructionapi.Endpoints},
	{translation.Domain{}, func() web.Section { return &translationweb.Section{} }, nil},
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

// endpoints returns the domains' own API endpoints on svc.
func endpoints(svc *app.Service) []httpapi.Endpoint {
	var es []httpapi.Endpoint
	for _, p := range plugins {
		if p.endpoints != nil {
			es = append(es, p.endpoints(svc)...)
		}
	}
	return es
}
