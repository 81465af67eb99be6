#pragma once
// Locations of the read-only test data (../shared beside the checkout) and scratch files.
#include <QString>
#include <string>

namespace lowbit::test {

// The shared folder (models/, reference/, papers/). Fails the calling test when absent:
// reference tests must never pass silently without their data.
QString shared_dir();
std::string shared_path(const QString& relative);  // shared_dir() + "/" + relative, checked to exist
std::string model_path(const QString& file_name);   // shared/models/synthetic/<file_name>

// Reads a whole file as bytes (empty on failure).
std::string read_file(const std::string& path);

}  // namespace lowbit::test
