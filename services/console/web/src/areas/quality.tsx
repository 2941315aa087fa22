// The quality screens (none yet).
import type { Area } from "./area";

export const quality: Area = {
  pages: [],
  navigation: {},
};
