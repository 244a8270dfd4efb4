// Turning an optimizer's typed parameter groups (SGDGroup, AdamGroup: every option optional) into the
// base class's ParamGroups and the optimizer's per-group options. Private to optim/.
#pragma once

#include <string>
#include <vector>

#include "muse/optim/optimizer.h"

namespace muse::optim {

template <class Group, class Options>
std::vector<ParamGroup> param_groups_of(const std::vector<Group>& groups, const Options& defaults) {
  std::vector<ParamGroup> out;
  for (const Group& g : groups) out.push_back({.params = g.params, .lr = g.lr.value_or(defaults.lr)});
  return out;
}

// " in param group g" for messages about one group's options, or "" when there is only one group.
inline std::string in_group(size_t g, size_t num_groups) {
  return num_groups > 1 ? str(" in param group ", g) : std::string();
}

}  // namespace muse::optim
