// The finance screens (none yet).
import type { Area } from "./area";

export const finance: Area = {
  pages: [],
  navigation: {},
};
