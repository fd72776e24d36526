<?php

declare(strict_types=1);

namespace Brief;

/**
 * The runtime's version and the API levels it provides. Generated code references
 * API_LEVEL_<N>, so code that needs a newer runtime fails at once with "Undefined constant".
 */
final class Runtime
{
    public const VERSION = '0.1.0';

    /** The API generated code of brief 0.1 uses. */
    public const API_LEVEL_1 = 1;
}
