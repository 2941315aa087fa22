// The warehouse's screens: the ship queue.
import { ShipQueuePage } from "../pages/ShipQueue";
import type { Area } from "./area";

export const warehouse: Area = {
  pages: [{ path: "/warehouse/ship", roles: ["warehouse"], element: <ShipQueuePage /> }],
  navigation: {
    warehouse: [{ to: "/warehouse/ship", label: "nav.ship" }],
  },
};
