package ceasefireweb

// MapReady is mapReady, for the browser test to say why it skips.
var MapReady = mapReady
