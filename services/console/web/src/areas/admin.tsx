// The admin screens (none yet).
import type { Area } from "./area";

export const admin: Area = {
  pages: [],
  navigation: {},
};
