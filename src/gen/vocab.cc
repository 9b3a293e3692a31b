// Topic vocabularies of real English words: a text encoder that maps these to
// nearby vectors recovers a user's interests from what they wrote.
#include "gen/vocab.h"

namespace adpilot::gen {

const std::vector<std::vector<std::string>>& TopicWords() {
  static const std::vector<std::vector<std::string>> words = {
      // sports
      {"football", "soccer",       "basketball", "tennis",  "marathon", "stadium",  "league",   "coach",
       "goal",     "match",        "team",       "cycling", "running",  "golf",     "swimming", "referee",
       "season",   "championship", "jersey",     "tickets", "score",    "training", "athlete",  "olympics"},
      // travel
      {"flights",     "hotel",   "beach",     "passport", "luggage",     "hostel", "lisbon",      "tokyo",
       "island",      "cruise",  "itinerary", "airport",  "backpacking", "resort", "visa",        "museum",
       "sightseeing", "booking", "vacation",  "trip",     "mountains",   "train",  "destination", "tour"},
      // finance
      {"mortgage",  "savings",  "stocks",  "retirement", "budget",    "loan",       "interest",  "credit",
       "investing", "dividend", "pension", "taxes",      "insurance", "bank",       "portfolio", "bonds",
       "inflation", "crypto",   "debt",    "index",      "fund",      "accountant", "salary",    "equity"},
      // cooking
      {"recipe",  "pasta",     "oven",    "baking",  "garlic",     "sourdough", "spices",  "curry",
       "dessert", "chocolate", "soup",    "grill",   "vegetarian", "knife",     "kitchen", "salad",
       "bread",   "sauce",     "noodles", "chicken", "roast",      "flavor",    "dinner",  "cookbook"},
      // tech
      {"laptop",  "smartphone", "software", "programming", "processor", "keyboard", "cloud",     "router",
       "gadget",  "battery",    "app",      "update",      "server",    "linux",    "developer", "monitor",
       "charger", "headphones", "coding",   "database",    "robot",     "chip",     "tablet",    "wifi"},
      // fashion
      {"dress",      "sneakers", "jacket",   "denim", "handbag", "style",    "boutique", "jewelry",
       "outfit",     "designer", "runway",   "scarf", "boots",   "wardrobe", "cotton",   "silk",
       "sunglasses", "trends",   "tailored", "coat",  "shoes",   "skirt",    "brand",    "collection"},
      // gaming
      {"console",   "multiplayer", "quest",    "controller", "esports",  "level", "boss",       "rpg",
       "shooter",   "streamer",    "joystick", "arcade",     "guild",    "loot",  "strategy",   "puzzle",
       "character", "gameplay",    "graphics", "dungeon",    "speedrun", "raid",  "tournament", "pixel"},
      // health
      {"fitness", "yoga",      "nutrition", "vitamins", "sleep",    "doctor",     "meditation",  "protein",
       "workout", "diet",      "therapy",   "wellness", "clinic",   "stretching", "immune",      "calories",
       "cardio",  "hydration", "stress",    "symptoms", "pharmacy", "posture",    "mindfulness", "recovery"},
      // music
      {"guitar", "concert", "album",  "piano", "playlist",   "drums",    "singer",    "festival",
       "jazz",   "vinyl",   "lyrics", "band",  "orchestra",  "melody",   "headliner", "chords",
       "violin", "studio",  "rhythm", "rap",   "songwriter", "acoustic", "symphony",  "tour"},
      // automotive
      {"car",      "engine",      "tires",      "sedan",    "electric", "mileage",    "dealership",   "brakes",
       "truck",    "hybrid",      "motor",      "garage",   "suv",      "horsepower", "transmission", "fuel",
       "mechanic", "convertible", "headlights", "charging", "towing",   "steering",   "diesel",       "coupe"},
      // home
      {"furniture", "sofa",     "garden",   "renovation", "paint",    "lamp",    "kitchen",  "mattress",
       "curtains",  "plants",   "shelves",  "decor",      "flooring", "rug",     "bathroom", "tiles",
       "drill",     "plumbing", "cushions", "patio",      "lighting", "storage", "cabinet",  "bedroom"},
      // pets
      {"puppy",    "kitten",  "dog",    "cat",     "leash",  "veterinarian", "aquarium", "treats",
       "grooming", "litter",  "parrot", "hamster", "kibble", "collar",       "adoption", "rabbit",
       "fetch",    "shelter", "breed",  "paws",    "toys",   "walks",        "training", "fish"},
  };
  return words;
}

const std::vector<std::string>& NeutralWords() {
  static const std::vector<std::string> words = {
      "new",    "good",  "great", "best", "cheap", "online", "local", "today", "really", "quite", "very",
      "nice",   "some",  "the",   "and",  "with",  "for",    "my",    "our",   "first",  "week",  "price",
      "review", "ideas", "guide", "tips", "near",  "me",     "how",   "to",    "buy",    "free"};
  return words;
}

const std::vector<std::string>& QueryModifiers() {
  static const std::vector<std::string> words = {"best",     "cheap",    "how to choose", "near me",
                                                 "reviews",  "deals on", "top 10",        "buy",
                                                 "beginner", "compare",  "when to buy",   "what is"};
  return words;
}

const std::vector<std::string>& ReviewOpeners() {
  static const std::vector<std::string> words = {
      "i loved the",         "really happy with the", "not impressed by the",  "the",
      "great value for the", "would recommend the",   "disappointed with the", "my family enjoyed the"};
  return words;
}

const std::vector<std::string>& Adjectives() {
  static const std::vector<std::string> words = {"excellent", "solid",      "decent",    "poor",    "amazing",
                                                 "reliable",  "overpriced", "fantastic", "average", "lovely"};
  return words;
}

}  // namespace adpilot::gen
