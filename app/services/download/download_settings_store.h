#pragma once
// Download settings kept in the app's settings table (SettingsStore), so the GUI's Settings
// page and the download page share them:
//
//   hub.base_url         Hub address (a mirror such as https://hf-mirror.example); empty = huggingface.co
//   hub.proxy            "env" (environment variables, the default), "none", or a proxy URL
//   download.parallel    transfers at the same time (1..16)
//   download.max_attempts  automatic tries after a dropped connection (1..50)
//
// The access token is deliberately not among them: it is never written to the database.
#include "download/download_types.h"

namespace lowbit::app {

class SettingsStore;

// Values that are missing or invalid keep those of `defaults`.
DownloadSettings loadDownloadSettings(const SettingsStore& store, DownloadSettings defaults = {});
void saveDownloadSettings(SettingsStore& store, const DownloadSettings& settings);

}  // namespace lowbit::app
