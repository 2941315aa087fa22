// The administrator's screens: master data (parts import, suppliers, warehouses,
// dealers, warranty policies, labor operations, supplier agreements).
import { AgreementsPage } from "../pages/admin/Agreements";
import { DealersPage } from "../pages/admin/Dealers";
import { LaborOperationsPage } from "../pages/admin/LaborOperations";
import { PartsImportPage } from "../pages/admin/PartsImport";
import { PoliciesPage } from "../pages/admin/Policies";
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
    { path: "/admin/policies", roles: ADMIN, element: <PoliciesPage /> },
    { path: "/admin/labor-operations", roles: ADMIN, element: <LaborOperationsPage /> },
    { path: "/admin/agreements", roles: ADMIN, element: <AgreementsPage /> },
  ],
  navigation: {
    admin: [
      { to: "/admin/parts", label: "nav.adminParts" },
      { to: "/admin/suppliers", label: "nav.suppliers" },
      { to: "/admin/warehouses", label: "nav.warehouses" },
      { to: "/admin/dealers", label: "nav.dealers" },
      { to: "/admin/policies", label: "nav.policies" },
      { to: "/admin/labor-operations", label: "nav.laborOperations" },
      { to: "/admin/agreements", label: "nav.agreements" },
    ],
  },
};
