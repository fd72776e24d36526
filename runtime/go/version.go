package brief

// APILevel is the level of the API this runtime offers to generated code. It
// grows by one whenever generated code starts to need something new.
const APILevel = 2

// RequireAPILevel1 is referenced by code generated for API level 1 (brief
// v0.1 and later). A runtime too old for the generated code lacks the
// constant its code names, so the build fails with "undefined:
// brief.RequireAPILevelN": upgrade this module then.
const RequireAPILevel1 = true

// RequireAPILevel2 is referenced by code generated for contracts with events
// (`schema`): publishers, consumers and Event.
const RequireAPILevel2 = true
