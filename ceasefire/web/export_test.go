package ceasefireweb

// MapReady is mapReady, for the browser test to say why it skips.
var MapReady = mapReady

// ReportTitle is reportTitle, for the PDF's test to title a report as the
// UI does.
var ReportTitle = reportTitle
