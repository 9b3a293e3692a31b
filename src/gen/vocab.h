// Word lists the user texts are drawn from (topic order = TopicNames()).
#pragma once

#include <string>
#include <vector>

namespace adpilot::gen {

const std::vector<std::vector<std::string>>& TopicWords();
const std::vector<std::string>& NeutralWords();
const std::vector<std::string>& QueryModifiers();
const std::vector<std::string>& ReviewOpeners();
const std::vector<std::string>& Adjectives();

}  // namespace adpilot::gen
