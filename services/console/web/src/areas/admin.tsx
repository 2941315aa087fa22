// The administrator's screens: master data (parts import, suppliers, warehouses,
// dealers).
import { DealersPage } from "../pages/admin/Dealers";
import { PartsImportPage } from "../pages/admin/PartsImport";
import { SuppliersPage } from "../pages/admin/Suppliers";
import { WarehousesPage } from "../pages/admin/Warehouses";
import type { Area } from "./area";

const ADMIN = ["admin" as const];

export const admin: Area = {
  pages: [
    { path: "/admin/parts", roles: ADMIN, element: <PartsImportPage /> },
    { path: "/admin/suppliers", roles: ADMIN, element: <SuppliersPage /> },
    { path: "/admin/warehouses", roles: ADMIN, element: <WarehousesPage /> },
    { path: "/admin/dealers", roles: ADMIN, element: <DealersPage /> },
  ],
  navigation: {
    admin: [
      { to: "/admin/parts", label: "nav.adminParts" },
      { to: "/admin/suppliers", label: "nav.suppliers" },
      { to: "/admin/warehouses", label: "nav.warehouses" },
      { to: "/admin/dealers", label: "nav.dealers" },
    ],
  },
};
