// The catalogs, one namespace per area of the console; each area has both languages.
import enCommon from "./en/common.json";
import zhCommon from "./zh/common.json";
import enLogin from "./en/login.json";
import zhLogin from "./zh/login.json";
import enLive from "./en/live.json";
import zhLive from "./zh/live.json";
import enItinerary from "./en/itinerary.json";
import zhItinerary from "./zh/itinerary.json";
import enZones from "./en/zones.json";
import zhZones from "./zh/zones.json";
import enAlerts from "./en/alerts.json";
import zhAlerts from "./zh/alerts.json";
import enNotices from "./en/notices.json";
import zhNotices from "./zh/notices.json";
import enOrg from "./en/org.json";
import zhOrg from "./zh/org.json";
import enApprovals from "./en/approvals.json";
import zhApprovals from "./zh/approvals.json";
import enLeave from "./en/leave.json";
import zhLeave from "./zh/leave.json";
import enTravel from "./en/travel.json";
import zhTravel from "./zh/travel.json";
import enAttendance from "./en/attendance.json";
import zhAttendance from "./zh/attendance.json";
import enCustomers from "./en/customers.json";
import zhCustomers from "./zh/customers.json";

export const catalogs = {
  en: {
    common: enCommon,
    login: enLogin,
    live: enLive,
    itinerary: enItinerary,
    zones: enZones,
    alerts: enAlerts,
    notices: enNotices,
    org: enOrg,
    approvals: enApprovals,
    leave: enLeave,
    travel: enTravel,
    attendance: enAttendance,
    customers: enCustomers,
  },
  zh: {
    common: zhCommon,
    login: zhLogin,
    live: zhLive,
    itinerary: zhItinerary,
    zones: zhZones,
    alerts: zhAlerts,
    notices: zhNotices,
    org: zhOrg,
    approvals: zhApprovals,
    leave: zhLeave,
    travel: zhTravel,
    attendance: zhAttendance,
    customers: zhCustomers,
  },
};
