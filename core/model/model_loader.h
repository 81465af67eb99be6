#pragma once
// Internal: builds a Model from a GgufFile (hyper-parameters, weight views, validation).
#include <memory>

#include "lowbit/model.h"

namespace lowbit {

class ModelLoader {
public:
    static std::unique_ptr<Model> load(std::unique_ptr<GgufFile> file);
};

// Reads the hyper-parameters of the architecture the file names. Throws lowbit::Error when a
// required key is missing or a value is out of range.
HParams read_hparams(const GgufFile& file);

}  // namespace lowbit
