// Package e2e holds parley's end-to-end tests. They build the parley binary
// once, drive it as an operator would (parley init, tokens new, serve,
// audit, witness) in temporary directories, talk to it over HTTP as clients
// do, and kill it with SIGKILL in the middle of writes, to check what
// parley promises across a crash: every acknowledged record is still there
// with its log position, the log after the restart is consistent with
// every checkpoint published before the crash, and parley audit finds
// nothing wrong.
//
// The package has tests only. They take a while (a build and a few rounds
// of 10,000 writes), so -short skips them. PARLEY_CRASH_ROUNDS sets the
// number of crash rounds (default 3) and PARLEY_CRASH_SEED the random seed
// that places the kills (default: the time; every run logs the seed it
// used).
package e2e
