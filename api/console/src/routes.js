// The pages of the console, by the path after the hash; each area is a folder.
import { AlertsPage } from "./alerts/AlertsPage.js";
import { AttendancePage } from "./attendance/AttendancePage.js";
import { CustomersPage } from "./customers/CustomersPage.js";
import { ApprovalsPage } from "./approvals/ApprovalsPage.js";
import { ItineraryPage } from "./itinerary/ItineraryPage.js";
import { LeavePage } from "./leave/LeavePage.js";
import { LivePage } from "./live/LivePage.js";
import { NoticesPage } from "./notices/NoticesPage.js";
import { OrgPage } from "./org/OrgPage.js";
import { TravelPage } from "./travel/TravelPage.js";
import { ZonesPage } from "./zones/ZonesPage.js";

export const PAGES = [
  { path: "/map", component: LivePage },
  { path: "/itinerary", component: ItineraryPage },
  { path: "/zones", component: ZonesPage },
  { path: "/alerts", component: AlertsPage },
  { path: "/notices", component: NoticesPage },
  { path: "/approvals", component: ApprovalsPage },
  { path: "/attendance", component: AttendancePage },
  { path: "/customers", component: CustomersPage },
  { path: "/leave", component: LeavePage },
  { path: "/travel", component: TravelPage },
  { path: "/org", component: OrgPage },
];
