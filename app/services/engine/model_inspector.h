#pragma once
// Reads what the library shows about a GGUF file from its header alone (no weights are
// touched): architecture, parameter count, weight types, real bits per weight, context length,
// chat format, and what it needs in memory. Safe on any file: a broken one gives EngineError.
#include <QString>

#include "storage/records.h"

namespace lowbit::app {

struct ModelFacts {
    ModelRecord record;              // ready for ModelStore::upsert (details as JSON)
    qint64 kvBytesPerToken = 0;      // F16 K and V of every layer, per context position
    qint64 defaultContext = 0;       // what the runner uses when not told: min(training context, 4096)
    qint64 estimatedBytes = 0;       // weights + KV cache at defaultContext + work buffers
    double linearBitsPerWeight = 0;  // bits per weight of the transformer blocks' matrices only
};

// Throws EngineError with a message naming the file and the problem.
ModelFacts inspectModel(const QString& path);

// "2.41 B", "135 M", "9.4 K"
QString formatCount(qint64 n);
// "1.21 GB", "35.2 MB" (decimal units, as file managers show)
QString formatBytes(qint64 bytes);

}  // namespace lowbit::app
